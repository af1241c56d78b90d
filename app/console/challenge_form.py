"""The console's challenge form: its fields as posted, what the form page shows (the
caps, the badges, the live share-card preview) and the page shown again after a failed
submit. The routes that use it are `app/console/routes/challenges.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.console import preview
from app.console.web import FormPage, language_of, render
from app.core.problems import Problem
from app.models.challenge import Challenge
from app.models.library import Library
from app.scoring import max_per_day
from app.services import badges

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


def form_context(
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


def form_again(
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
        context = form_context(request, session, lib, values, challenge, today, errors, problem)
        return render(request, "challenge_form.html", context, status=status)

    return page


def values_of(ch: Challenge) -> dict[str, Any]:
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
