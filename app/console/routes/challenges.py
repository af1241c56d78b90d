"""Challenges: list, create and edit with the API's rules checked as staff type, end
early, participants (and their CSV), and the live share-card preview. The form itself
(fields, what its page shows) is `app/console/challenge_form.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.challenges import management, membership, views
from app.console import preview
from app.console.challenge_form import (
    AGE_GROUPS,
    ChallengeForm,
    form_again,
    form_context,
    values_of,
)
from app.console.csv import csv_response
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    check_form,
    language_of,
    redirect,
    render,
    submit_form,
    today_of,
)
from app.core.problems import not_found
from app.deps import ClockDep, SessionDep, SettingsDep
from app.models.challenge import Challenge, ChallengeCreate, ChallengeUpdate
from app.models.library import Library
from app.models.member import Member
from app.services import badges

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
ChallengeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


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
    context = form_context(request, session, lib, values, None, today_of(lib, clock))
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
        form_again(request, session, lib, form.values, today),
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
            **form_context(request, session, lib, values_of(ch), ch, today),
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
        form_again(request, session, lib, form.values, today, ch),
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
