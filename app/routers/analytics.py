"""Staff analytics: summary, time series, top lists, reading index, funnel and reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import analytics
from app.analytics import answers, backlog, export, versions
from app.analytics.schemas import (
    Compare,
    Funnel,
    Interval,
    LibrarySummaries,
    Metric,
    ReadingIndex,
    Report,
    Summary,
    Timeseries,
    TopList,
    TopName,
)
from app.core.db import read_engine, replica_reachable
from app.core.problem_docs import problems
from app.core.security import AccessClaims
from app.deps import (
    AnalyticsSessionDep,
    ClaimsDep,
    ClockDep,
    StaffMember,
    load_caller_facts,
    unit_of_work,
)
from app.models.enums import AgeGroup, ReportName

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
ReportQuery = Annotated[ReportName, Query(alias="report", description="Which report.")]


@dataclass(frozen=True, slots=True)
class Asked:
    scope: analytics.Scope
    query: analytics.Query


def asked(
    staff: StaffMember,
    session: AnalyticsSessionDep,
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


@dataclass(frozen=True, slots=True)
class Filters:
    library: str | None
    start: date | None
    end: date | None
    age_group: AgeGroup | None
    school: str | None
    challenge_id: int | None


def filters(
    library: LibraryParam = None,
    start: StartParam = None,
    end: EndParam = None,
    age_group: AgeParam = None,
    school: SchoolParam = None,
    challenge_id: ChallengeParam = None,
) -> Filters:
    return Filters(library, start, end, age_group, school, challenge_id)


FiltersDep = Annotated[Filters, Depends(filters)]
Answer = Callable[[Session, versions.Head, analytics.Scope, analytics.Query, Session], bytes]


async def _answer(
    request: Request, claims: AccessClaims, clock: ClockDep, f: Filters, answer: Answer
) -> Response:
    """One trip to the thread pool and one unit of work: the caller, the library's head
    (the backlog added first when it waits), and the kept or computed figures."""
    state = request.app.state
    primary: Engine = state.engine
    replica = read_engine(primary, getattr(state, "replica_engine", None), own_data=False)

    def job() -> bytes:
        drained = False
        while True:
            with unit_of_work(primary, write=False) as session:
                caller = load_caller_facts(session, claims).member
                head = answers.library_head(session, caller, f.library)
                # Logs accepted before the request are added first; those that arrive
                # once the backlog is added came after it.
                if drained or not head.waiting:
                    scope = answers.scope_of(head, clock.now(), caller.role)
                    q = analytics.query_for(
                        session,
                        scope,
                        start=f.start,
                        end=f.end,
                        age_group=f.age_group,
                        school=f.school,
                        challenge_id=f.challenge_id,
                    )
                    if replica is primary or not replica_reachable(replica):
                        return answer(session, head, scope, q, session)
                    with unit_of_work(replica, write=False) as figures:
                        return answer(session, head, scope, q, figures)
            backlog.drain(primary)
            drained = True

    body = await run_in_threadpool(job)
    return Response(body, media_type="application/json")


@router.get("/summary", response_model=Summary, responses=problems(401, 403, 404, 422))
async def summary(request: Request, claims: ClaimsDep, clock: ClockDep, f: FiltersDep) -> Response:
    """One library's figures for a range of its local dates."""
    return await _answer(request, claims, clock, f, answers.summary_json)


@router.get("/timeseries", response_model=Timeseries, responses=problems(401, 403, 404, 422))
async def timeseries(
    request: Request,
    claims: ClaimsDep,
    clock: ClockDep,
    f: FiltersDep,
    metric: Metric,
    interval: Interval = "day",
    compare: Compare = "previous",
) -> Response:
    """A summary metric per day, week or month, with the previous period (or the same
    period last year) alongside."""

    def answer(
        session: Session,
        head: versions.Head,
        scope: analytics.Scope,
        q: analytics.Query,
        figures: Session,
    ) -> bytes:
        return answers.timeseries_json(session, head, scope, q, figures, metric, interval, compare)

    return await _answer(request, claims, clock, f, answer)


@router.get("/libraries", response_model=LibrarySummaries, responses=problems(401, 403, 422))
def libraries_side_by_side(
    staff: StaffMember,
    session: AnalyticsSessionDep,
    clock: ClockDep,
    start: StartParam = None,
    end: EndParam = None,
    age_group: AgeParam = None,
) -> LibrarySummaries:
    """Every library's summary side by side (administrators)."""
    return analytics.side_by_side(
        session, staff, clock.now(), start=start, end=end, age_group=age_group
    )


@router.get("/top", response_model=TopList, responses=problems(401, 403, 404, 422))
def top(
    a: AskedDep,
    session: AnalyticsSessionDep,
    list_name: Annotated[TopName, Query(alias="list")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopList:
    """The range's top books (by readers or finishes), authors, genres, hashtags, schools
    (by active readers or share of members active), or the members at the top of the
    board (children by nickname only; opted-out members never)."""
    return analytics.top(session, a.scope, a.query, list_name, limit)


@router.get("/reading-index", response_model=ReadingIndex, responses=problems(401, 403, 404, 422))
def reading_index(a: AskedDep, session: AnalyticsSessionDep) -> ReadingIndex:
    """Three reading components of Perpusnas' TGM (FM, DM, JB) among the library's active
    participants, per month and age group; participants, not a population survey."""
    return analytics.reading_index(session, a.scope, a.query)


@router.get("/engagement", response_model=Funnel, responses=problems(401, 403, 404, 422))
def engagement(a: AskedDep, session: AnalyticsSessionDep) -> Funnel:
    """The social funnel: shares by platform and subject, landing-page views and unique
    visitors by referring platform (link-preview crawlers apart), clicks to the join
    page, registrations from a share."""
    return analytics.funnel(session, a.scope, a.query)


@router.get("/reports/{name}", response_model=Report, responses=problems(401, 403, 404, 422))
def report(a: AskedDep, session: AnalyticsSessionDep, name: ReportName) -> Report:
    """A report as a table: status, schools, progress, badges or top_scores."""
    return analytics.report(session, a.scope, a.query, name)


DOWNLOAD = {"description": "The report as a file", "content": {}}


@router.get(
    "/export.csv",
    response_class=Response,
    responses={**problems(401, 403, 404, 422), 200: {**DOWNLOAD, "content": {"text/csv": {}}}},
)
def export_csv(
    a: AskedDep, session: AnalyticsSessionDep, report_name: ReportQuery = ReportName.STATUS
) -> Response:
    """A report as CSV (UTF-8 with a BOM)."""
    found = analytics.report(session, a.scope, a.query, report_name)
    return export.attachment(
        export.to_csv(found), export.CSV_MEDIA_TYPE, export.filename(found, "csv")
    )


@router.get(
    "/export.xlsx",
    response_class=Response,
    responses={
        **problems(401, 403, 404, 422),
        200: {**DOWNLOAD, "content": {export.XLSX_MEDIA_TYPE: {}}},
    },
)
def export_xlsx(
    a: AskedDep, session: AnalyticsSessionDep, report_name: ReportQuery = ReportName.STATUS
) -> Response:
    """A report as an XLSX workbook."""
    found = analytics.report(session, a.scope, a.query, report_name)
    return export.attachment(
        export.to_xlsx(found), export.XLSX_MEDIA_TYPE, export.filename(found, "xlsx")
    )
