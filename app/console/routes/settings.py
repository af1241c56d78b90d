"""Library settings: time zone, hashtags, colours (with the card in them) and scoring
rules. New rules are shown first as a dry run of the re-settlement (the rescore
service's `preview`); nothing changes until staff confirm, and then the rules are
saved and the ledger re-settled under them in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.console.routes.admin import split_hashtags
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    attempt,
    redirect,
    render,
)
from app.core.problems import Problem
from app.deps import ClockDep, SessionDep
from app.models.library import Library, LibraryUpdate, ScoringSettings
from app.models.rescore import RescorePreview
from app.services import libraries, rescore

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
SCORING_FIELDS: tuple[str, ...] = tuple(ScoringSettings.model_fields)
LIMIT_FIELDS = {"daily_cap_pages", "daily_cap_minutes", "daily_cap_points"}


def _values_of(lib: Library) -> dict[str, Any]:
    return {
        "timezone": lib.timezone,
        "hashtags": " ".join(lib.hashtags),
        "primary_color": lib.primary_color,
        "accent_color": lib.accent_color,
        "staff_on_boards": "1" if lib.staff_on_boards else "",
        **lib.scoring_settings().model_dump(),
    }


def _page(
    request: Request,
    lib: Library,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: Problem | None = None,
    dry: RescorePreview | None = None,
    status: int = 200,
) -> HTMLResponse:
    values = values or _values_of(lib)
    return render(
        request,
        "settings.html",
        {
            "values": values,
            "errors": errors or {},
            "problem": problem,
            "dry": dry,
            "scoring_fields": SCORING_FIELDS,
            "field_label": lambda f: f"{f}_f" if f in LIMIT_FIELDS else f,
            "done": request.query_params.get("done"),
            "colour_query": f"primary_color={values['primary_color']}"
            f"&accent_color={values['accent_color']}".replace("#", "%23"),
        },
        status=status,
    )


@router.get("/settings")
def show_settings(request: Request, who: ConsoleUser, lib: ConsoleLibrary) -> HTMLResponse:
    return _page(request, lib)


def _update_from(form: FormData) -> tuple[dict[str, Any], LibraryUpdate]:
    """The posted form, and the API's update body it stands for (may raise)."""
    raw = {k: v for k, v in form.items() if isinstance(v, str)}
    values: dict[str, Any] = {
        "timezone": raw.get("timezone", "").strip(),
        "hashtags": raw.get("hashtags", ""),
        "primary_color": raw.get("primary_color", ""),
        "accent_color": raw.get("accent_color", ""),
        "staff_on_boards": "1" if raw.get("staff_on_boards") else "",
        **{f: raw.get(f, "").strip() for f in SCORING_FIELDS},
    }
    body = {
        "timezone": values["timezone"],
        "hashtags": split_hashtags(values["hashtags"]),
        "primary_color": values["primary_color"],
        "accent_color": values["accent_color"],
        "staff_on_boards": bool(values["staff_on_boards"]),
        "scoring": {f: values[f] for f in SCORING_FIELDS if values[f] != ""},
    }
    return values, LibraryUpdate.model_validate(body)


def _rules_change(lib: Library, update: LibraryUpdate) -> bool:
    saved = lib.scoring_settings().model_dump()
    wanted = update.scoring.model_dump(exclude_none=True) if update.scoring else {}
    return any(saved[k] != v for k, v in wanted.items())


async def posted_form(request: Request) -> FormData:
    return await request.form()


@router.post("/settings")
def save_settings(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    form: Annotated[FormData, Depends(posted_form)],
) -> Response:
    return _save(request, lib, session, clock, form)


def _save(
    request: Request, lib: Library, session: SessionDep, clock: ClockDep, form: FormData
) -> Response:
    try:
        values, update = _update_from(form)
    except ValidationError as exc:
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        values = {**_values_of(lib), **raw}
        return _page(request, lib, values=values, errors=_errors(exc), status=422)
    confirmed = form.get("confirm") == "yes" and form.get("action") == "save"
    if _rules_change(lib, update) and not confirmed:
        rules = libraries.proposed_rules(lib, update.scoring)
        dry = rescore.preview(session, lib, rules, clock.now())
        return _page(request, lib, values=values, dry=dry)

    def work() -> None:
        libraries.update_library(session, lib, update)
        if confirmed:
            rescore.apply(session, lib, clock.now())

    _, problem = attempt(session, work)
    if problem is not None:
        session.refresh(lib)
        return _page(request, lib, values=values, problem=problem, status=problem.status)
    return redirect("/staff/settings?done=saved")


def _errors(exc: ValidationError) -> dict[str, str]:
    """Field → message, with `scoring.x` named `x` as the form names it."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "scoring"]
        out.setdefault(loc[0] if loc else "__all__", str(err.get("msg", "invalid")))
    return out
