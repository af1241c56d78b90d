"""Staff analytics: the figures a library's staff (and an administrator) read every week.

Public interface (stable: names and signatures are only ever added to). The staff
console calls these directly, with its own session; the HTTP routes under
`/v1/analytics/*` are thin wrappers around the same calls.

Who and what is asked::

    scope_for(session, caller, slug: str | None, now: datetime) -> Scope
        # staff: their own library (another slug: 403); admin: the library named
        # (none: 422 `library`, unknown: 404); anyone else: 403.
    library_scope(library: Library, now: datetime, *, is_admin=True) -> Scope
    query_for(session, scope, *, start=None, end=None, age_group=None, school=None,
              challenge_id=None) -> Query
        # checked filters: this month so far by default; a reversed range (`start`),
        # one over five years (`start`), a school no member of the library gives
        # (`school`), another library's challenge (`challenge_id`): 422 naming the field.

Figures (every result is a pydantic model of `app.analytics.schemas`)::

    summary(session, scope, query) -> Summary
    timeseries(session, scope, query, metric: Metric, interval: Interval = "day",
               compare: Compare = "previous") -> Timeseries
        # metric: logs, pages, minutes, books_finished, points, points_reading,
        # points_bonus, active_readers, first_time_readers, new_members;
        # interval: day | week | month; compare: previous | last_year | none.
    side_by_side(session, caller, now, *, start=None, end=None, age_group=None)
        -> LibrarySummaries  # administrators: every library's Summary
    top(session, scope, query, board: TopName, limit: int = 10) -> TopList
    reading_index(session, scope, query) -> ReadingIndex
    funnel(session, scope, query) -> Funnel
    report(session, scope, query, name: ReportName) -> Report
    export.to_csv(report: Report) -> bytes     # UTF-8 with a BOM
    export.to_xlsx(report: Report) -> bytes    # openpyxl workbook

Privacy: a figure about children (a cell that can hold members aged 12 and under) of
1 to 4 members reads `SUPPRESSED` ("fewer than 5"); `Headcount` and `Amount` are
`int | Literal["fewer than 5"]`. No answer names a child; top lists of members show
nicknames only (children always), and opted-out members are counted in totals and
never listed.

Speed: figures come from rollups a log moves in its own transaction
(`app.analytics.counters`), never from a scan of the reading log.
"""

from app.analytics import export
from app.analytics.lists import reading_index, top
from app.analytics.reports import report
from app.analytics.schemas import (
    SUPPRESSED,
    Funnel,
    Headcount,
    LibrarySummaries,
    ReadingIndex,
    Report,
    Summary,
    Timeseries,
    TopList,
)
from app.analytics.scope import Query, Scope, library_scope, query_for, scope_for
from app.analytics.service import side_by_side, summary, timeseries
from app.analytics.traffic import funnel

__all__ = [
    "SUPPRESSED",
    "Funnel",
    "Headcount",
    "LibrarySummaries",
    "Query",
    "ReadingIndex",
    "Report",
    "Scope",
    "Summary",
    "Timeseries",
    "TopList",
    "export",
    "funnel",
    "library_scope",
    "query_for",
    "reading_index",
    "report",
    "scope_for",
    "side_by_side",
    "summary",
    "timeseries",
    "top",
]
