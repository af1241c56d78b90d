"""Challenges: list, create and edit with the API's rules checked as staff type, end
early, participants (and their CSV), and the live share-card preview."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.challenges import management, membership, views
from app.console import preview
from app.console.csv import csv_response
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    FormPage,
    check_form,
    language_of,
    redirect,
    render,
    submit_form,
    today_of,
)
from app.core.problems import Problem, not_found
from app.deps import ClockDep, SessionDep, SettingsDep
from app.models.challenge import Challenge, ChallengeCreate, ChallengeUpdate
from app.models.library import Library
from app.models.member import Member
from app.scoring import max_per_day
from app.services import badges

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
ChallengeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=2000)]
AGE_GROUPS = ("kids", "teens", "adults")


def _form_values(
    title: str,
    description: str,
    hashtag: str,
    starts_on: str,
    ends_on: str,
    goal: str,
    target: str,
    age_groups: list[str],
    bonus_points: str,
    badge_id: str,
    published: str | None,
) -> dict[str, Any]:
    """The form as the API's body: blank optional fields left out."""
    values: dict[str, Any] = {
        "title": title,
        "description": description,
        "hashtag": hashtag,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "goal": goal,
        "target": target,
        "age_groups": age_groups,
        "bonus_points": bonus_points or "0",
        "badge_id": badge_id or None,
        "published": published is not None,
    }
    return values


class ChallengeForm:
    """The challenge form's fields, parsed by FastAPI from the posted form."""

    def __init__(
        self,
        title: Annotated[str, Form(max_length=300)] = "",
        description: Text = "",
        hashtag: Annotated[str, Form(max_length=100)] = "",
        starts_on: Annotated[str, Form(max_length=10)] = "",
        ends_on: Annotated[str, Form(max_length=10)] = "",
        goal: Annotated[str, Form(max_length=10)] = "books",
        target: Annotated[str, Form(max_length=10)] = "",
        age_groups: Annotated[list[str], Form(max_length=3)] = [],  # noqa: B006
        bonus_points: Annotated[str, Form(max_length=10)] = "0",
        badge_id: Annotated[str, Form(max_length=10)] = "",
        published: Annotated[str | None, Form(max_length=5)] = None,
    ) -> None:
        self.values = _form_values(
            title,
            description,
            hashtag,
            starts_on,
            ends_on,
            goal,
            target,
            age_groups,
            bonus_points,
            badge_id,
            published,
        )


def _rules_text(lib: Library) -> dict[str, Any]:
    rules = badges.rules_of(lib)
    return {
        "pages": max_per_day("pages", rules),
        "minutes": max_per_day("minutes", rules),
        "points": lib.scoring_settings().daily_cap_points,
    }


def _preview_bits(request: Request, lib: Library, values: dict[str, Any]) -> dict[str, Any]:
    """The card and texts for the form as it stands, rendered with the page."""
    raw = {k: str(values.get(k) or "") for k in ("title", "hashtag", "goal", "target")}
    wanted = preview.parse(raw)
    base = request.app.state.settings.public_base_url
    return {
        "preview_query": urlencode({k: v for k, v in raw.items() if v}),
        "preview_title": wanted.title,
        "posts": preview.texts(lib, wanted, language_of(request), base),
    }


def _form_context(
    request: Request,
    session: Session,
    lib: Library,
    values: dict[str, Any],
    challenge: Challenge | None,
    today: date,
    errors: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> dict[str, Any]:
    """What the challenge form shows: on its own page and on the challenge's."""
    return {
        "values": values,
        "challenge": challenge,
        "started": challenge is not None and today >= challenge.starts_on,
        "errors": errors or {},
        "problem": problem,
        "badges": badges.catalogue(session, lib.id or 0),
        "caps": _rules_text(lib),
        "age_groups": AGE_GROUPS,
        **_preview_bits(request, lib, values),
    }


def _form_again(
    request: Request,
    session: Session,
    lib: Library,
    values: dict[str, Any],
    today: date,
    challenge: Challenge | None = None,
) -> FormPage:
    """The form's page shown again after a failed submit, with what was typed."""

    def page(errors: dict[str, str], problem: Problem | None, status: int) -> HTMLResponse:
        if problem is not None and challenge is not None:
            session.refresh(challenge)  # the savepoint undid the service's changes
        context = _form_context(request, session, lib, values, challenge, today, errors, problem)
        return render(request, "challenge_form.html", context, status=status)

    return page


def _values_of(ch: Challenge) -> dict[str, Any]:
    return {
        "title": ch.title,
        "description": ch.description,
        "hashtag": ch.hashtag,
        "starts_on": ch.starts_on.isoformat(),
        "ends_on": ch.ends_on.isoformat(),
        "goal": ch.goal,
        "target": ch.target,
        "age_groups": list(ch.age_groups),
        "bonus_points": ch.bonus_points,
        "badge_id": ch.badge_id,
        "published": ch.published,
    }


@router.get("/challenges")
def list_challenges(
    request: Request, who: ConsoleUser, lib: ConsoleLibrary, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    today = today_of(lib, clock)
    items, _ = views.list_for(session, who.member, lib, None, today, 500, None)
    groups: dict[str, list[Any]] = {"active": [], "upcoming": [], "past": [], "drafts": []}
    for ch in reversed(items):
        groups["drafts" if not ch.published else ch.status].append(ch)
    return render(
        request, "challenges.html", {"groups": groups, "done": request.query_params.get("done")}
    )


@router.get("/challenges/new")
def new_challenge(
    request: Request, who: ConsoleUser, lib: ConsoleLibrary, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    values = {"goal": "books", "age_groups": list(AGE_GROUPS), "published": True, "bonus_points": 0}
    context = _form_context(request, session, lib, values, None, today_of(lib, clock))
    return render(request, "challenge_form.html", context)


def _create(
    session: Session, staff: Member, lib: Library, data: ChallengeCreate, now: Any
) -> Challenge:
    return management.create(session, staff, lib, data, badges.rules_of(lib), now)


@router.post("/challenges")
def create_challenge(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    form: Annotated[ChallengeForm, Depends()],
) -> Response:
    today = today_of(lib, clock)

    ch = submit_form(
        session,
        ChallengeCreate,
        form.values,
        lambda data: _create(session, who.member, lib, data, clock.now()),
        _form_again(request, session, lib, form.values, today),
    )
    if isinstance(ch, HTMLResponse):
        return ch
    return redirect(f"/staff/challenges/{ch.id}?done=created")


@router.post("/challenges/check")
def check_new_challenge(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    form: Annotated[ChallengeForm, Depends()],
) -> HTMLResponse:
    """The API's verdict on the form as it stands (nothing is saved)."""
    return check_form(
        request,
        session,
        ChallengeCreate,
        form.values,
        lambda data: _create(session, who.member, lib, data, clock.now()),
    )


def _update(
    session: Session, ch: Challenge, lib: Library, data: ChallengeUpdate, today: date
) -> Challenge:
    return management.update_challenge(session, ch, data, badges.rules_of(lib), today)


def get_console_challenge(
    challenge_id: ChallengeId, who: ConsoleUser, lib: ConsoleLibrary, session: SessionDep
) -> Challenge:
    """The challenge of the path, loaded once: one the signed-in staff may edit, of the
    library they work on (an administrator works on one library at a time)."""
    ch = management.editable(session, who.member, challenge_id)
    if ch.library_id != lib.id:
        raise not_found("Challenge")
    return ch


EditableChallenge = Annotated[Challenge, Depends(get_console_challenge)]


@router.get("/challenges/{challenge_id}")
def show_challenge(
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    ch: EditableChallenge,
    clock: ClockDep,
) -> HTMLResponse:
    today = today_of(lib, clock)
    year = today.year
    rows, _ = membership.participants(session, ch, year, 200, None)
    return render(
        request,
        "challenge.html",
        {
            **_form_context(request, session, lib, _values_of(ch), ch, today),
            "ch": views.public(session, ch, lib, today, None),
            "participants": rows,
            "live": ch.starts_on <= today <= ch.ends_on,
            "done": request.query_params.get("done"),
        },
    )


@router.post("/challenges/{challenge_id}")
def edit_challenge(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    ch: EditableChallenge,
    clock: ClockDep,
    form: Annotated[ChallengeForm, Depends()],
) -> Response:
    today = today_of(lib, clock)

    again = submit_form(
        session,
        ChallengeUpdate,
        form.values,
        lambda data: _update(session, ch, lib, data, today),
        _form_again(request, session, lib, form.values, today, ch),
    )
    if isinstance(again, HTMLResponse):
        return again
    return redirect(f"/staff/challenges/{ch.id}?done=saved")


@router.post("/challenges/{challenge_id}/check")
def check_challenge_edit(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    ch: EditableChallenge,
    clock: ClockDep,
    form: Annotated[ChallengeForm, Depends()],
) -> HTMLResponse:
    return check_form(
        request,
        session,
        ChallengeUpdate,
        form.values,
        lambda data: _update(session, ch, lib, data, today_of(lib, clock)),
    )


@router.post("/challenges/{challenge_id}/end")
def end_challenge(
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    ch: EditableChallenge,
    clock: ClockDep,
) -> Response:
    """End a live challenge today (the API's PATCH ends_on=today)."""
    today = today_of(lib, clock)
    _update(session, ch, lib, ChallengeUpdate(ends_on=today), today)
    return redirect(f"/staff/challenges/{ch.id}?done=ended")


@router.get("/challenges/{challenge_id}/participants.csv")
def participants_csv(
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    ch: EditableChallenge,
    clock: ClockDep,
) -> Response:
    year = today_of(lib, clock).year
    rows: list[list[Any]] = []
    cursor: str | None = None
    while True:
        page, cursor = membership.participants(session, ch, year, 500, cursor)
        for p in page:
            rows.append(
                [
                    p.member_id,
                    p.name,
                    p.age_group,
                    p.joined_at.isoformat(),
                    p.joined_via,
                    p.progress,
                    ch.target,
                    p.completed_at.isoformat() if p.completed_at else "",
                    p.flagged_logs,
                ]
            )
        if cursor is None:
            break
    header = [
        "member_id",
        "name",
        "age_group",
        "joined_at",
        "joined_via",
        "progress",
        "target",
        "completed_at",
        "flagged_logs",
    ]
    return csv_response(f"challenge-{ch.id}-participants.csv", header, rows)


@router.get("/preview/card.png")
def preview_card(
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    title: Annotated[str, Query(max_length=300)] = "",
    hashtag: Annotated[str, Query(max_length=100)] = "",
    goal: Annotated[str, Query(max_length=10)] = "",
    target: Annotated[str, Query(max_length=10)] = "",
    primary_color: Annotated[str, Query(max_length=7)] = "",
    accent_color: Annotated[str, Query(max_length=7)] = "",
) -> Response:
    wanted = preview.parse(
        {
            "title": title,
            "hashtag": hashtag,
            "goal": goal,
            "target": target,
            "primary_color": primary_color,
            "accent_color": accent_color,
        }
    )
    png = preview.card_png(lib, wanted, language_of(request))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/preview/texts")
def preview_texts(
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    settings: SettingsDep,
    title: Annotated[str, Query(max_length=300)] = "",
    hashtag: Annotated[str, Query(max_length=100)] = "",
    goal: Annotated[str, Query(max_length=10)] = "",
    target: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    wanted = preview.parse({"title": title, "hashtag": hashtag, "goal": goal, "target": target})
    posts = preview.texts(lib, wanted, language_of(request), settings.public_base_url)
    return render(request, "_preview_texts.html", {"posts": posts})
