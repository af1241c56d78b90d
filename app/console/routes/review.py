"""The review queue: flagged logs with why and the member's recent days; approve or
reject one or many at once through the moderation service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from app.console import queries
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    attempt,
    render,
    today_of,
)
from app.core.problems import Problem
from app.deps import ClockDep, SessionDep
from app.models.member import Member
from app.services import ledger, moderation

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
QUEUE_LIMIT = 100


def _queue_page(
    request: Request,
    session: SessionDep,
    lib: Any,
    clock: ClockDep,
    *,
    results: list[dict[str, Any]] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    items, more = moderation.queue(session, "pending_review", QUEUE_LIMIT, None, lib.id or 0)
    days = queries.recent_days(session, [i.member_id for i in items], today_of(lib, clock))
    return render(
        request,
        "review.html",
        {
            "items": items,
            "more": more is not None,
            "days": days,
            "results": results or [],
            "notice": notice,
        },
    )


@router.get("/review")
def review_queue(
    request: Request, who: ConsoleUser, lib: ConsoleLibrary, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return _queue_page(request, session, lib, clock)


class Decision:
    def __init__(
        self,
        action: Annotated[str, Form(pattern="^(approve|reject)$")],
        log_id: Annotated[list[int], Form(max_length=QUEUE_LIMIT)] = [],  # noqa: B006
        note: Annotated[str, Form(max_length=500)] = "",
    ) -> None:
        self.action = action
        self.note = note.replace("\x00", "").strip() or None
        self.log_ids = list(dict.fromkeys(i for i in log_id if 0 < i < 2**31))


def _decide_one(
    session: SessionDep,
    staff: Member,
    action: str,
    log_id: int,
    now: datetime,
    note: str | None,
) -> tuple[int | None, Problem | None]:
    """One decision in its own savepoint: a log already decided fails alone."""
    if action == "approve":
        done, problem = attempt(
            session, lambda: moderation.approve(session, staff, log_id, now, note)
        )
        return (done.log.member_id if done else None), problem
    rejected, problem = attempt(
        session, lambda: moderation.reject(session, staff, log_id, now, note)
    )
    return (rejected.member_id if rejected else None), problem


@router.post("/review")
def decide(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[Decision, Depends()],
) -> HTMLResponse:
    """Approve or reject the selected logs; each one stands or fails on its own."""
    now = clock.now()
    results: list[dict[str, Any]] = []
    for log_id in decision.log_ids:
        member_id, problem = _decide_one(
            session, who.member, decision.action, log_id, now, decision.note
        )
        total = ledger.totals(session, member_id).total if member_id else None
        results.append(
            {"log_id": log_id, "member_id": member_id, "problem": problem, "total": total}
        )
    notice = None if decision.log_ids else "nothing_selected"
    status = 200 if decision.log_ids else 422
    response = _queue_page(request, session, lib, clock, results=results, notice=notice)
    response.status_code = status
    return response
