"""Members: find by name, nickname, email or school; a member's logs, points and
badges; a guardian's children. A child is shown by nickname only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from app.console import queries
from app.console.web import ConsoleLibrary, ConsoleRoute, ConsoleUser, language_of, render, today_of
from app.deps import ClockDep, SessionDep
from app.models.member import age_group
from app.reading.history import list_logs
from app.services import badges, ledger, members

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
MemberId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/members")
def find_members(
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    text = q.replace("\x00", "").strip()
    found = queries.find_members(session, lib, text) if text else []
    return render(
        request,
        "members.html",
        {"q": text, "found": found, "year": today_of(lib, clock).year, "age_group": age_group},
    )


@router.get("/members/{member_id}")
def show_member(
    request: Request,
    member_id: MemberId,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> HTMLResponse:
    member = queries.member_of(session, lib, member_id)
    today = today_of(lib, clock)
    logs, _ = list_logs(session, member, 30, None)
    return render(
        request,
        "member.html",
        {
            "m": member,
            "group": age_group(member.birth_year, today.year),
            "points": ledger.summary(session, member.id or 0),
            "badges": badges.member_badges(session, member, today, language_of(request)),
            "logs": logs,
            "guardian": queries.guardian_of(session, member),
            "children": [] if member.is_child else members.list_children(session, member),
            "done": request.query_params.get("done"),
        },
    )
