"""Administrators: pick the library to work on, create libraries, appoint staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.console import sessions
from app.console.web import (
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    attempt,
    form_errors,
    redirect,
    render,
)
from app.core.problems import Problem, forbidden
from app.deps import ClockDep, SessionDep
from app.models.library import LibraryCreate
from app.services import libraries

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)


def _admin(who: Any) -> None:
    if not who.is_admin:
        raise forbidden("Only an administrator may do this.")


def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: Problem | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows, _ = libraries.list_libraries(session, 200, None)
    return render(
        request,
        "libraries.html",
        {
            "libraries": rows,
            "values": values or {"timezone": "Asia/Jakarta"},
            "errors": errors or {},
            "problem": problem,
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@router.get("/libraries")
def list_libraries(request: Request, who: ConsoleUser, session: SessionDep) -> HTMLResponse:
    _admin(who)
    return _page(request, session)


@router.post("/libraries/choose")
def choose_library(
    who: ConsoleWriter,
    session: SessionDep,
    slug: Annotated[str, Form(pattern=r"^[a-z0-9-]{1,40}$")],
) -> Response:
    _admin(who)
    sessions.choose_library(session, who, libraries.get_by_slug(session, slug))
    return redirect("/staff")


@router.post("/libraries")
def create_library(
    request: Request,
    who: ConsoleWriter,
    session: SessionDep,
    clock: ClockDep,
    slug: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
    city: Annotated[str, Form(max_length=40)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    hashtags: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    _admin(who)
    values = {
        "slug": slug.strip(),
        "name": name,
        "city": city,
        "timezone": timezone.strip(),
        "hashtags": split_hashtags(hashtags),
    }
    try:
        data = LibraryCreate.model_validate(values)
    except ValidationError as exc:
        values["hashtags"] = hashtags
        return _page(request, session, values=values, errors=form_errors(exc), status=422)
    _, problem = attempt(session, lambda: libraries.create_library(session, data, clock.now()))
    if problem is not None:
        values["hashtags"] = hashtags
        return _page(request, session, values=values, problem=problem, status=problem.status)
    return redirect("/staff/libraries?done=created")


@router.post("/libraries/staff")
def appoint_staff(
    who: ConsoleWriter,
    session: SessionDep,
    member_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """Make a member of the library being worked on one of its staff."""
    _admin(who)
    if who.library is None:
        return redirect("/staff/libraries")
    libraries.appoint_staff(session, who.library, member_id)
    return redirect(f"/staff/members/{member_id}?done=appointed")


def split_hashtags(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]
