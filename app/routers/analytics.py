"""Staff analytics: summary, time series, top lists, reading index, funnel and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app import analytics
from app.analytics.schemas import Compare, Interval, LibrarySummaries, Metric, Summary, Timeseries
from app.core.problems import problems
from app.deps import ClockDep, SessionDep, StaffMember
from app.models.member import AgeGroup

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

LibraryParam = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9-]{1,40}$",
        description="Library slug: administrators must give it; staff read their own.",
    ),
]
StartParam = Annotated[
    date | None, Query(description="First local date (default: the 1st of this month).")
]
EndParam = Annotated[date | None, Query(description="Last local date, inclusive (default: today).")]
AgeParam = Annotated[AgeGroup | None, Query(description="kids (12 and under), teens, adults.")]
SchoolParam = Annotated[
    str | None, Query(max_length=80, description="A school given by this library's members.")
]
ChallengeParam = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@dataclass(frozen=True, slots=True)
class Asked:
    scope: analytics.Scope
    query: analytics.Query


def asked(
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    library: LibraryParam = None,
    start: StartParam = None,
    end: EndParam = None,
    age_group: AgeParam = None,
    school: SchoolParam = None,
    challenge_id: ChallengeParam = None,
) -> Asked:
    """The library the caller may read and the checked filters (one place for all routes)."""
    scope = analytics.scope_for(session, staff, library, clock.now())
    query = analytics.query_for(
        session,
        scope,
        start=start,
        end=end,
        age_group=age_group,
        school=school,
        challenge_id=challenge_id,
    )
    return Asked(scope, query)


AskedDep = Annotated[Asked, Depends(asked)]


@router.get("/summary", response_model=Summary, responses=problems(401, 403, 404, 422))
def summary(a: AskedDep, session: SessionDep) -> Summary:
    """One library's figures for a range of its local dates."""
    return analytics.summary(session, a.scope, a.query)


@router.get("/timeseries", response_model=Timeseries, responses=problems(401, 403, 404, 422))
def timeseries(
    a: AskedDep,
    session: SessionDep,
    metric: Metric,
    interval: Interval = "day",
    compare: Compare = "previous",
) -> Timeseries:
    """A summary metric per day, week or month, with the previous period (or the same
    period last year) alongside."""
    return analytics.timeseries(session, a.scope, a.query, metric, interval, compare)


@router.get("/libraries", response_model=LibrarySummaries, responses=problems(401, 403, 422))
def libraries_side_by_side(
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    start: StartParam = None,
    end: EndParam = None,
    age_group: AgeParam = None,
) -> LibrarySummaries:
    """Every library's summary side by side (administrators)."""
    return analytics.side_by_side(
        session, staff, clock.now(), start=start, end=end, age_group=age_group
    )
