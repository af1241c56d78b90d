"""The summary's and the time series' reads, each folded into as few statements as the
figures allow: every statement is a round trip and a pass through SQLAlchemy's
execution machinery, which costs more than the database's part of these small reads.

- summary: one statement for the days' sums and the headcounts beside them (members,
  new members, badges, the review queue, distinct readers when the rollups cannot say),
  one for the challenges with their participants' progress;
- time series: one statement for the range and the range compared, per day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session

from app.analytics import queries
from app.analytics.counters import ACTIVITY_COUNTS
from app.analytics.queries import DayRow
from app.analytics.scope import Query
from app.core import dbcompat
from app.core.clock import local_midnight_utc
from app.core.hotsql import HotSql
from app.models.analytics import LIBRARY_SCOPE, ActivityDay, MemberPeriod, MemberTally
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.reading import ReadingLog

HEADS = ("members", "new_members", "badges", "pending_review", "distinct_readers")
Span = tuple[date, date]


def _tag(n: int) -> ColumnElement[int]:
    return literal_column(str(n), Integer)


def _count(stmt: Select[Any]) -> Any:
    return stmt.scalar_subquery()


# -- summary ----------------------------------------------------------------------------


def _members(library_id: int, q: Query, tz: str) -> tuple[Any, Any, Any]:
    """Members of the cell by the range's end and new in it: a challenge's participants
    when the query names one, else registrations (and the one-row table they come from)."""
    if q.challenge_id is not None:
        cp = ChallengeParticipant
        where = [
            cp.challenge_id == q.challenge_id,
            cp.joined_at < local_midnight_utc(queries.next_day(q.end), tz),
            *queries.of_cell(q, cp.member_id),
        ]
        total = select(func.count()).select_from(cp).where(*where)
        new = total.where(cp.joined_at >= local_midnight_utc(q.start, tz))
        return _count(total), _count(new), None
    mt = MemberTally
    where = [mt.library_id == library_id, mt.day <= q.end]
    where += queries.birth_years(q, q.end.year, mt.birth_year)
    if q.school is not None:
        where.append(mt.school == q.school)
    both = select(
        func.sum(mt.members).label("total"),
        func.sum(case((mt.day >= q.start, mt.members), else_=0)).label("new"),
    ).where(*where)
    sub = both.subquery()
    return sub.c.total, sub.c.new, sub


def _badges(library_id: int, q: Query, tz: str) -> Any:
    return _count(
        select(func.count())
        .select_from(BadgeAward)
        .where(
            BadgeAward.badge_id.in_(select(Badge.id).where(Badge.library_id == library_id)),
            BadgeAward.awarded_at >= local_midnight_utc(q.start, tz),
            BadgeAward.awarded_at < local_midnight_utc(queries.next_day(q.end), tz),
            *queries.of_cell(q, BadgeAward.member_id),
        )
    )


def _pending(library_id: int, q: Query) -> Any:
    """Logs waiting for staff (few): by the (library, status) index. SQLite's statistics
    say every log of a library shares one status (nearly all are accepted), and its
    planner would then scan the whole log, so the index is named (`indexed_by`)."""
    cell = queries.of_cell(q, ReadingLog.member_id)
    logs: Any = ReadingLog.__table__
    if not cell:
        logs = dbcompat.indexed_by(logs, "pending_log", "ix_reading_log_library_id_status")
    return _count(
        select(func.count())
        .select_from(logs)
        .where(
            logs.c.library_id == library_id,
            logs.c.status == "pending_review",
            logs.c.deleted_at.is_(None),
            *cell,
        )
    )


def _distinct(library_id: int, q: Query) -> Any:
    """Members of the cell with a counted log in the range, each once, from the rows that
    make a reader count once per period (never the reading log). The cell's age group is
    the members' at the range's end."""
    mp = MemberPeriod.__table__.c
    days: dict[str, list[date]] = {}
    for kind, first in queries.whole_periods(q.start, q.end):
        days.setdefault(kind, []).append(first)
    return _count(
        select(func.count(func.distinct(mp.member_id))).where(
            mp.scope == (q.challenge_id or LIBRARY_SCOPE),
            or_(*(and_(mp.period == k, mp.starts_on.in_(firsts)) for k, firsts in days.items())),
            mp.member_id.in_(queries.cell_members(library_id, q)),
        )
    )


def summary_figures(
    session: Session, library_id: int, q: Query, tz: str, lo: date, hi: date, *, distinct: bool
) -> tuple[dict[date, DayRow], dict[str, int]]:
    """The days' sums from `lo` to `hi` and the summary's headcounts (`HEADS`; distinct
    readers only when `distinct`, else 0), in one statement."""
    members, new, registered = _members(library_id, q, tz)
    heads = [
        members,
        new,
        _badges(library_id, q, tz),
        _pending(library_id, q),
        _distinct(library_id, q) if distinct else _tag(0),
    ]
    cols = [getattr(ActivityDay, c) for c in ACTIVITY_COUNTS]
    day_rows = (
        select(_tag(0), ActivityDay.day, *(func.sum(c) for c in cols))
        .where(*queries.activity_filters(library_id, q, lo, hi))
        .group_by(ActivityDay.day)
    )
    padding = [null()] * (len(cols) - len(heads))
    head_row = select(_tag(1), null(), *heads, *padding)
    if registered is not None:
        head_row = head_row.select_from(registered)
    days: dict[date, DayRow] = {}
    found: dict[str, int] = dict.fromkeys(HEADS, 0)
    for tag, day, *values in session.execute(union_all(day_rows, head_row)):
        if tag == 0:
            days[day] = dict(zip(ACTIVITY_COUNTS, (int(v or 0) for v in values), strict=True))
        else:
            found = dict(zip(HEADS, (int(v or 0) for v in values[: len(HEADS)]), strict=True))
    return days, found


@dataclass(frozen=True, slots=True)
class ChallengeTally:
    """A challenge's participants of the cell, completions, and how many reached each
    share of the goal: (progress capped at the target, participants) by progress."""

    challenge: Challenge
    participants: int
    completions: int
    progress: list[tuple[int, int]]

    def median_share(self) -> float | None:
        """The median participant's share of the goal (at most all of it)."""
        n = self.participants
        if not n:
            return None

        def nth(k: int) -> int:
            for value, count in self.progress:
                if k < count:
                    return value
                k -= count
            raise IndexError(k)

        mid = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
        return mid / self.challenge.target

    def passed(self, percent: int) -> int:
        """Participants at `percent`% of the goal or more."""
        target = self.challenge.target
        return sum(c for p, c in self.progress if p * 100 >= percent * target)


def _tallies_statement(meeting: list[Any], cell: list[Any], *what: Any) -> Select[Any]:
    cp = ChallengeParticipant
    capped = case((cp.progress > Challenge.target, Challenge.target), else_=cp.progress)
    inner = (
        select(cp.challenge_id, capped.label("progress"), cp.completed_at)
        .join(Challenge, Challenge.id == cp.challenge_id)
        .where(*meeting, *cell)
        .subquery()
    )
    hist = (
        select(
            inner.c.challenge_id,
            inner.c.progress,
            func.count().label("n"),
            func.count(inner.c.completed_at).label("done"),
        )
        .group_by(inner.c.challenge_id, inner.c.progress)
        .subquery()
    )
    return (
        select(*what, hist.c.progress, hist.c.n, hist.c.done)
        .select_from(Challenge)
        .outerjoin(hist, hist.c.challenge_id == Challenge.id)
        .where(*meeting)
        .order_by(Challenge.starts_on, Challenge.id, hist.c.progress)
    )


# The summary's usual question (the whole library, no cell): built and compiled once.
_ch = Challenge.__table__.c
_MEETING = [
    _ch.library_id == bindparam("library_id"),
    _ch.deleted_at.is_(None),
    or_(
        _ch.id == bindparam("challenge_id"),
        and_(
            bindparam("challenge_id").is_(None),
            _ch.starts_on <= bindparam("end", type_=Date()),
            _ch.ends_on >= bindparam("start", type_=Date()),
        ),
    ),
]
_CHALLENGE_COLUMNS = [c.key for c in Challenge.__table__.columns]
_TALLIES = HotSql(_tallies_statement(_MEETING, [], *Challenge.__table__.columns))


def _whole_library(session: Session, library_id: int, q: Query) -> list[ChallengeTally]:
    found: dict[int, tuple[Challenge, list[tuple[int, int]], list[int]]] = {}
    params: dict[str, Any] = {"library_id": library_id, "challenge_id": q.challenge_id}
    params |= {"start": q.start, "end": q.end}
    for *cols, progress, n, done in _TALLIES.run(session, params):
        values = dict(zip(_CHALLENGE_COLUMNS, cols, strict=True))
        if values["id"] not in found:
            found[values["id"]] = (Challenge.model_construct(**values), [], [0])
        _add_row(found[values["id"]], progress, n, done)
    return _tallies(found)


def challenge_tallies(
    session: Session, library_id: int, q: Query, *, hot: bool = False
) -> list[ChallengeTally]:
    """The challenges the query meets (the one it names, or those whose dates meet the
    range), in order, each with its participants' progress: one statement (`hot`: the
    whole library's, compiled once and run by the driver)."""
    if hot and not queries.of_cell(q, ChallengeParticipant.member_id):
        return _whole_library(session, library_id, q)
    meeting: list[Any] = [Challenge.library_id == library_id, Challenge.deleted_at.is_(None)]
    if q.challenge_id is not None:
        meeting.append(Challenge.id == q.challenge_id)
    else:
        meeting += [Challenge.starts_on <= q.end, Challenge.ends_on >= q.start]
    stmt = _tallies_statement(
        meeting, queries.of_cell(q, ChallengeParticipant.member_id), Challenge
    )
    found: dict[int, tuple[Challenge, list[tuple[int, int]], list[int]]] = {}
    for ch, progress, n, done in session.execute(stmt):
        _add_row(found.setdefault(ch.id or 0, (ch, [], [0])), progress, n, done)
    return _tallies(found)


_Counting = tuple[Challenge, list[tuple[int, int]], list[int]]


def _add_row(entry: _Counting, progress: Any, n: Any, done: Any) -> None:
    """Add one (progress, participants, completions) row to a challenge's counting."""
    if n:
        entry[1].append((int(progress), int(n)))
        entry[2][0] += int(done or 0)


def _tallies(found: dict[int, _Counting]) -> list[ChallengeTally]:
    return [
        ChallengeTally(ch, sum(c for _, c in rows), done[0], rows)
        for ch, rows, done in found.values()
    ]


# -- time series --------------------------------------------------------------------------


def _source(metric: str) -> tuple[Any, list[str]]:
    """The rollup a metric is read from, and the columns summed."""
    if metric == "new_members":
        return MemberTally, ["members"]
    return ActivityDay, list(ACTIVITY_COUNTS)


def _where(model: Any, library_id: int, q: Query, lo: date, hi: date) -> list[Any]:
    if model is ActivityDay:
        return queries.activity_filters(library_id, q, lo, hi)
    return queries.tally_filters(library_id, q, lo, hi)


def series_sums(
    session: Session,
    library_id: int,
    q: Query,
    metric: str,
    ranges: Sequence[list[Span]],
) -> list[tuple[list[DayRow], DayRow]]:
    """For each list of spans (the series, and the one it is compared with), each span's
    sums of the metric's rollup columns and the sums over all its range, in one
    statement. Spans of a list are in order and apart (whole days, weeks or months)."""
    model, names = _source(metric)
    parts = []
    for tag, spans in enumerate(ranges):
        lo, hi = spans[0][0], spans[-1][1]
        parts.append(
            select(_tag(tag), model.day, *(func.sum(getattr(model, c)) for c in names))
            .where(*_where(model, library_id, q, lo, hi))
            .group_by(model.day)
        )
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    found: list[list[tuple[date, list[int]]]] = [[] for _ in ranges]
    for tag, day, *values in session.execute(stmt):
        found[tag].append((day, [int(v or 0) for v in values]))
    out = []
    for spans, days in zip(ranges, found, strict=True):
        starts = [a for a, _ in spans]
        sums = [[0] * len(names) for _ in spans]
        total = [0] * len(names)
        for day, values in days:
            total = [t + v for t, v in zip(total, values, strict=True)]
            i = bisect_right(starts, day) - 1
            if i >= 0 and day <= spans[i][1]:
                sums[i] = [t + v for t, v in zip(sums[i], values, strict=True)]
        out.append(
            (
                [dict(zip(names, row, strict=True)) for row in sums],
                dict(zip(names, total, strict=True)),
            )
        )
    return out
