"""Administrators: every library's figures side by side, for the same dates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import analytics
from app.console.routes.dashboard import AgeGroupQuery, DateQuery, date_of
from app.console.web import ConsoleRoute, ConsoleUser, attempt, render
from app.core.problems import forbidden
from app.deps import ClockDep, FreshRollups, SessionDep

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
# The columns' headings, in the order `_row` gives them.
COLUMNS = (
    "members",
    "new_members",
    "active_readers_month",
    "logs_kpi",
    "pages_kpi",
    "minutes_kpi",
    "books_kpi",
    "points",
    "badges_kpi",
    "queue_kpi",
)


def _row(s: analytics.Summary) -> list[object]:
    return [
        s.members,
        s.new_members,
        s.active_readers.distinct,
        s.logs,
        s.pages,
        s.minutes,
        s.books_finished,
        s.points.total,
        s.badges_earned,
        s.pending_review,
    ]


@router.get("/libraries/compare")
def compare_libraries(
    _fresh: FreshRollups,
    request: Request,
    who: ConsoleUser,
    session: SessionDep,
    clock: ClockDep,
    start: DateQuery = "",
    end: DateQuery = "",
    age_group: AgeGroupQuery = "",
) -> HTMLResponse:
    if not who.is_admin:
        raise forbidden("Only an administrator compares libraries.")
    found, problem = attempt(
        session,
        lambda: analytics.side_by_side(
            session,
            who.member,
            clock.now(),
            start=date_of(start),
            end=date_of(end),
            age_group=age_group or None,
        ),
    )
    rows = [(s, _row(s)) for s in found.libraries] if found else []
    return render(
        request,
        "compare.html",
        {
            "found": found,
            "rows": rows,
            "columns": COLUMNS,
            "filters": {"start": start, "end": end, "age_group": age_group},
            "problem": problem,
        },
        status=problem.status if problem else 200,
    )
