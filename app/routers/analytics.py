"""Staff analytics: summary, time series, top lists, reading index, funnel and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app import analytics
from app.analytics import export
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
from app.core.problem_docs import problems
from app.deps import AnalyticsSessionDep, ClockDep, StaffMember
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


@router.get("/summary", response_model=Summary, responses=problems(401, 403, 404, 422))
def summary(a: AskedDep, session: AnalyticsSessionDep) -> Summary:
    """One library's figures for a range of its local dates."""
    return analytics.summary(session, a.scope, a.query)


@router.get("/timeseries", response_model=Timeseries, responses=problems(401, 403, 404, 422))
def timeseries(
    a: AskedDep,
    session: AnalyticsSessionDep,
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
    return _download(export.to_csv(found), export.CSV_MEDIA_TYPE, export.filename(found, "csv"))


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
    return _download(export.to_xlsx(found), export.XLSX_MEDIA_TYPE, export.filename(found, "xlsx"))


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
