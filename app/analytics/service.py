"""Summary and time series: the figures of one library over a range, read from rollups.

Active readers per week and month count whole weeks (Monday first) and months that the
range touches: a member counts in the period of their first log in it, so a period cut
in half would miss readers of its other half.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.analytics import queries, statements
from app.analytics.counters import month_start, quarter_start, week_start
from app.analytics.schemas import (
    SMALL_CELL,
    SUPPRESSED,
    ActiveReaders,
    Amount,
    ChallengeFigures,
    DateRange,
    Filters,
    Headcount,
    Interval,
    LibrarySummaries,
    PeriodFigure,
    Points,
    Ratio,
    SeriesPoint,
    Summary,
    Timeseries,
)
from app.analytics.scope import Query, Scope, Viewer, library_scope, query_for
from app.core.problems import forbidden, unprocessable
from app.models.enums import AgeGroup
from app.models.library import Library

READER_METRICS = {"active_readers"}


def headcount(n: int, q: Query) -> Headcount:
    """A number of members as it may be shown: a small cell of children is hidden."""
    return SUPPRESSED if q.may_hold_children and 0 < n < SMALL_CELL else n


def amount(n: int, small: bool) -> Amount:
    return SUPPRESSED if small else n


def ratio(value: float | None, small: bool) -> Ratio:
    return SUPPRESSED if small and value is not None else value


def filters_of(q: Query) -> Filters:
    return Filters(age_group=q.age_group, school=q.school, challenge_id=q.challenge_id)


def buckets(start: date, end: date, interval: Interval) -> list[tuple[date, date]]:
    """Whole days, weeks or months covering `start`..`end` (inclusive bounds)."""
    out = []
    if interval == "day":
        cur = start
        while cur <= end:
            out.append((cur, cur))
            cur += timedelta(days=1)
        return out
    cur = week_start(start) if interval == "week" else month_start(start)
    while cur <= end:
        nxt = cur + timedelta(days=7) if interval == "week" else _add_months(cur, 1)
        out.append((cur, nxt - timedelta(days=1)))
        cur = nxt
    return out


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    return date(day.year + month // 12, month % 12 + 1, 1)


def _sum(days: dict[date, dict[str, int]], col: str, lo: date, hi: date) -> int:
    return sum(row[col] for d, row in days.items() if lo <= d <= hi)


def _periods(
    session: Session, scope: Scope, q: Query
) -> tuple[dict[date, dict[str, int]], ActiveReaders, bool, dict[str, int]]:
    """The days of the whole weeks and months the range touches, the readers (distinct
    over the range, and per period), whether the cell is a small one of children, and the
    summary's headcounts (`statements.HEADS`)."""
    lo = min(week_start(q.start), month_start(q.start))
    hi = max(buckets(q.end, q.end, "week")[0][1], buckets(q.end, q.end, "month")[0][1])
    column = _readers_column(q)
    days, heads = statements.summary_figures(
        session, scope.library_id, q, scope.library.timezone, lo, hi, distinct=column is None
    )

    def figure(interval: Interval, col: str) -> PeriodFigure:
        counts = [_sum(days, col, a, b) for a, b in buckets(q.start, q.end, interval)]
        peak = max(counts, default=0)
        avg = sum(counts) / len(counts) if counts else 0.0
        small = q.may_hold_children and 0 < peak < SMALL_CELL
        return PeriodFigure(
            average=SUPPRESSED if small else round(avg, 2),
            peak=headcount(peak, q),
            periods=len(counts),
        )

    distinct = heads["distinct_readers"] if column is None else _sum(days, column, q.start, q.end)
    readers = ActiveReaders(
        distinct=headcount(distinct, q),
        day=figure("day", "readers_day"),
        week=figure("week", "readers_week"),
        month=figure("month", "readers_month"),
    )
    small = q.may_hold_children and 0 < distinct < SMALL_CELL
    return {d: r for d, r in days.items() if q.start <= d <= q.end}, readers, small, heads


def _readers_column(q: Query) -> str | None:
    """The rollup column whose sum over the range is its distinct readers, or None when
    the rollups cannot say. A range from the first day of a week, month or quarter to a
    day of the same period can: a member who read in it counts once, on the day of their
    first log of the period. Any other range asks the rows that make a reader count once
    per period."""
    if q.start == q.end:
        return "readers_day"
    for kind, col, first in (
        ("w", "readers_week", week_start(q.start)),
        ("m", "readers_month", month_start(q.start)),
        ("q", "readers_quarter", quarter_start(q.start)),
    ):
        if first == q.start and q.end < queries.period_after(kind, q.start):
            return col
    return None


def summary(session: Session, scope: Scope, query: Query, *, challenges: bool = True) -> Summary:
    """GET /v1/analytics/summary: one library's figures for the query's range (two
    statements: the figures, and the challenges unless `challenges` is false)."""
    q = query
    lib = scope.library
    days, readers, small, heads = _periods(session, scope, q)

    def total(col: str) -> int:
        return sum(r[col] for r in days.values())

    reading, bonus = total("points_reading"), total("points_bonus")
    return Summary(
        library=lib.slug,
        timezone=lib.timezone,
        period=DateRange(start=q.start, end=q.end),
        filters=filters_of(q),
        members=headcount(heads["members"], q),
        new_members=headcount(heads["new_members"], q),
        active_readers=readers,
        first_time_readers=headcount(total("first_timers"), q),
        logs=amount(total("logs"), small),
        pages=amount(total("pages"), small),
        minutes=amount(total("minutes"), small),
        books_finished=amount(total("finishes"), small),
        points=Points(
            reading=amount(reading, small),
            bonus=amount(bonus, small),
            total=amount(reading + bonus, small),
        ),
        badges_earned=headcount(heads["badges"], q),
        pending_review=headcount(heads["pending_review"], q),
        challenges=challenge_figures(session, scope, q) if challenges else [],
    )


def challenge_figures(
    session: Session, scope: Scope, q: Query, *, hot: bool = False
) -> list[ChallengeFigures]:
    out = []
    for t in statements.challenge_tallies(session, scope.library_id, q, hot=hot):
        ch = t.challenge
        small = q.may_hold_children and 0 < t.participants < SMALL_CELL
        rate = t.completions / t.participants if t.participants else None
        mid = t.median_share()
        out.append(
            ChallengeFigures(
                id=ch.id or 0,
                title=ch.title,
                hashtag=ch.hashtag,
                starts_on=ch.starts_on,
                ends_on=ch.ends_on,
                goal=ch.goal,
                target=ch.target,
                participants=headcount(t.participants, q),
                completions=headcount(t.completions, q),
                completion_rate=ratio(None if rate is None else round(rate, 4), small),
                median_progress=ratio(None if mid is None else round(mid, 4), small),
            )
        )
    return out


_METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "logs": ("logs",),
    "pages": ("pages",),
    "minutes": ("minutes",),
    "books_finished": ("finishes",),
    "points": ("points_reading", "points_bonus"),
    "points_reading": ("points_reading",),
    "points_bonus": ("points_bonus",),
    "first_time_readers": ("first_timers",),
}
_READER_COLUMN = {"day": "readers_day", "week": "readers_week", "month": "readers_month"}


def _shift(day: date, compare: str, interval: Interval, n_buckets: int) -> date:
    if compare == "last_year":
        if interval == "week":
            return day - timedelta(weeks=52)
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)
    if interval == "day":
        return day - timedelta(days=n_buckets)
    if interval == "week":
        return day - timedelta(weeks=n_buckets)
    return _add_months(day, -n_buckets)


def _values(
    session: Session,
    scope: Scope,
    q: Query,
    metric: str,
    interval: Interval,
    ranges: list[list[tuple[date, date]]],
) -> list[tuple[list[int], bool]]:
    """For the series' spans (and the compared ones): each span's value, and whether the
    range's readers are a small cell of children. One statement."""
    if metric == "new_members" and q.challenge_id is not None:
        raise unprocessable(
            "new_members is not kept per challenge; drop challenge_id.", field="metric"
        )
    sums = statements.series_sums(session, scope.library_id, q, metric, ranges)
    if metric == "new_members":
        return [([row["members"] for row in rows], False) for rows, _ in sums]
    if metric in READER_METRICS:
        col = _READER_COLUMN[interval]
        return [([row[col] for row in rows], False) for rows, _ in sums]
    cols = _METRIC_COLUMNS[metric]
    return [
        (
            [sum(row[c] for c in cols) for row in rows],
            q.may_hold_children and 0 < total["readers_month"] < SMALL_CELL,
        )
        for rows, total in sums
    ]


def _change(value: int, before: int | None) -> float | None:
    if before is None or before == 0:
        return None
    return round((value - before) / before, 4)


def timeseries(
    session: Session,
    scope: Scope,
    query: Query,
    metric: str,
    interval: Interval = "day",
    compare: str = "previous",
) -> Timeseries:
    """GET /v1/analytics/timeseries: a summary metric per day, week or month, with the
    previous period (or the same period a year before) alongside."""
    q = query
    spans = buckets(q.start, q.end, interval)
    if interval == "day" and len(spans) > 366 * 2:
        raise unprocessable("A daily series covers at most two years.", field="interval")
    before: list[int] | None = None
    before_spans: list[tuple[date, date]] = []
    compare_small = False
    if compare != "none":
        n = len(spans)
        before_spans = [
            (
                _shift(a, compare, interval, n),
                _shift(b + timedelta(days=1), compare, interval, n) - timedelta(days=1),
            )
            for a, b in spans
        ]
    found = _values(
        session, scope, q, metric, interval, [spans, before_spans] if before_spans else [spans]
    )
    values, small = found[0]
    if before_spans:
        before, compare_small = found[1]
    is_headcount = metric in READER_METRICS or metric in ("first_time_readers", "new_members")

    def shown(n: int, hidden: bool) -> Amount:
        return headcount(n, q) if is_headcount else amount(n, hidden)

    points = []
    for i, (a, b) in enumerate(spans):
        prev = before[i] if before is not None else None
        hide = small or compare_small
        points.append(
            SeriesPoint(
                start=a,
                end=b,
                value=shown(values[i], small),
                compare_start=before_spans[i][0] if before is not None else None,
                compare_value=None if prev is None else shown(prev, compare_small),
                change=ratio(
                    _change(values[i], prev),
                    hide or (is_headcount and _hidden(values[i], prev, q)),
                ),
            )
        )
    summable = metric not in READER_METRICS
    total = sum(values)
    compare_total = sum(before) if before is not None else None
    return Timeseries(
        library=scope.library.slug,
        metric=metric,
        interval=interval,
        compare=compare,
        period=DateRange(start=spans[0][0], end=spans[-1][1]),
        compare_period=(
            DateRange(start=before_spans[0][0], end=before_spans[-1][1]) if before_spans else None
        ),
        filters=filters_of(q),
        points=points,
        total=shown(total, small) if summable else None,
        compare_total=(
            shown(compare_total, compare_small) if summable and compare_total is not None else None
        ),
        change=ratio(_change(total, compare_total) if summable else None, small or compare_small),
    )


def _hidden(value: int, prev: int | None, q: Query) -> bool:
    """A change between two headcounts one of which is hidden would give it away."""
    return any(headcount(v, q) == SUPPRESSED for v in (value, prev) if v is not None)


def side_by_side(
    session: Session,
    caller: Viewer,
    now: datetime,
    *,
    start: date | None = None,
    end: date | None = None,
    age_group: AgeGroup | None = None,
) -> LibrarySummaries:
    """Every library's summary for the same dates (administrators only)."""
    if caller.role != "admin":
        raise forbidden("Only an administrator compares libraries.")
    libs = list(session.execute(select(Library).order_by(Library.slug)).scalars())
    out = []
    for lib in libs:
        scope = library_scope(lib, now)
        out.append(
            summary(
                session, scope, query_for(session, scope, start=start, end=end, age_group=age_group)
            )
        )
    first = out[0].period if out else DateRange(start=start or now.date(), end=end or now.date())
    return LibrarySummaries(period=first, libraries=out)
