"""Reads over the rollups (and the small tables beside them); no reading-log scans.

Every function takes the scope's library id and a checked `Query`, and returns plain
numbers: privacy and shaping are the service's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from app.analytics.counters import ACTIVITY_COUNTS, month_start, quarter_start
from app.analytics.scope import Query
from app.core.clock import local_midnight_utc
from app.core.hotsql import HotSql
from app.models.analytics import LIBRARY_SCOPE, ActivityDay, MemberPeriod, MemberTally
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import KIDS_MAX_AGE, TEENS_MAX_AGE, Member
from app.models.reading import ReadingLog

DayRow = dict[str, int]


def _activity_filters(library_id: int, q: Query, start: date, end: date) -> list[Any]:
    where: list[Any] = [
        ActivityDay.library_id == library_id,
        ActivityDay.challenge_id == (q.challenge_id or LIBRARY_SCOPE),
        ActivityDay.day >= start,
        ActivityDay.day <= end,
    ]
    if q.age_group:
        where.append(ActivityDay.age_group == q.age_group)
    if q.school is not None:
        where.append(ActivityDay.school == q.school)
    return where


def activity_days(
    session: Session, library_id: int, q: Query, start: date, end: date
) -> dict[date, DayRow]:
    """Each day's sums (`counters.ACTIVITY_COUNTS`) between `start` and `end`, inclusive."""
    cols = [getattr(ActivityDay, c) for c in ACTIVITY_COUNTS]
    stmt = (
        select(ActivityDay.day, *(func.sum(c) for c in cols))
        .where(*_activity_filters(library_id, q, start, end))
        .group_by(ActivityDay.day)
    )
    return {
        day: dict(zip(ACTIVITY_COUNTS, (int(v or 0) for v in values), strict=True))
        for day, *values in session.execute(stmt)
    }


def activity_by(session: Session, library_id: int, q: Query, column: str) -> dict[str, DayRow]:
    """The range's sums per `age_group` or `school`."""
    key = getattr(ActivityDay, column)
    cols = [getattr(ActivityDay, c) for c in ACTIVITY_COUNTS]
    stmt = (
        select(key, *(func.sum(c) for c in cols))
        .where(*_activity_filters(library_id, q, q.start, q.end))
        .group_by(key)
    )
    return {
        str(k): dict(zip(ACTIVITY_COUNTS, (int(v or 0) for v in values), strict=True))
        for k, *values in session.execute(stmt)
    }


def period_after(kind: str, day: date) -> date:
    """The first day after the quarter (`q`), month (`m`) or week (`w`) starting on `day`."""
    if kind == "w":
        return day + timedelta(days=7)
    months = 3 if kind == "q" else 1
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def whole_periods(start: date, end: date) -> list[tuple[str, date]]:
    """`start`..`end` (inclusive) cut into the fewest whole quarters, months, weeks
    (Monday first) and days, as (`member_period` period, first day) pairs."""
    out: list[tuple[str, date]] = []
    cur = start
    while cur <= end:
        for kind, first in (("q", quarter_start(cur)), ("m", month_start(cur))):
            if cur == first and period_after(kind, cur) <= end + timedelta(days=1):
                break
        else:
            kind = "w" if cur.weekday() == 0 and cur + timedelta(days=6) <= end else "d"
        out.append((kind, cur))
        cur = period_after(kind, cur) if kind != "d" else cur + timedelta(days=1)
    return out


def distinct_readers(session: Session, library_id: int, q: Query) -> int:
    """Members of the cell with a counted log in the range, each once, from the rows that
    make a reader count once per period (never the reading log). The cell's age group is
    the members' at the range's end."""
    mp = MemberPeriod.__table__.c
    days: dict[str, list[date]] = {}
    for kind, first in whole_periods(q.start, q.end):
        days.setdefault(kind, []).append(first)
    members = select(Member.id).where(
        Member.library_id == library_id, *_member_filters(q, q.end.year)
    )
    stmt = select(func.count(func.distinct(mp.member_id))).where(
        mp.scope == (q.challenge_id or LIBRARY_SCOPE),
        or_(*(and_(mp.period == kind, mp.starts_on.in_(firsts)) for kind, firsts in days.items())),
        mp.member_id.in_(members),
    )
    return int(session.execute(stmt).scalar_one())


def _birth_years(q: Query, year: int, column: Any) -> list[Any]:
    """Members of the query's age group in `year` (the age group follows the calendar)."""
    if q.age_group == "kids":
        return [column >= year - KIDS_MAX_AGE]
    if q.age_group == "teens":
        return [column < year - KIDS_MAX_AGE, column >= year - TEENS_MAX_AGE]
    if q.age_group == "adults":
        return [column < year - TEENS_MAX_AGE]
    return []


def _member_filters(q: Query, year: int) -> list[Any]:
    where = _birth_years(q, year, Member.birth_year)
    if q.school is not None:
        where.append(func.coalesce(Member.school, "") == q.school)
    return where


def _of_cell(q: Query, member_id: Any) -> list[Any]:
    """`member_id` among the query's cell, or nothing to add when the cell is everyone (a
    join with the members table lets SQLite's planner walk every member)."""
    filters = _member_filters(q, q.end.year)
    return [member_id.in_(select(Member.id).where(*filters))] if filters else []


def registrations(session: Session, library_id: int, q: Query) -> tuple[int, int]:
    """Members of the query's cell registered by the range's end, and within the range
    (one statement: the summary's two headcounts)."""
    where: list[Any] = [MemberTally.library_id == library_id, MemberTally.day <= q.end]
    where += _birth_years(q, q.end.year, MemberTally.birth_year)
    if q.school is not None:
        where.append(MemberTally.school == q.school)
    new = case((MemberTally.day >= q.start, MemberTally.members), else_=0)
    total, within = session.execute(
        select(func.sum(MemberTally.members), func.sum(new)).where(*where)
    ).one()
    return int(total or 0), int(within or 0)


def registrations_by_day(
    session: Session, library_id: int, q: Query, start: date, end: date
) -> dict[date, int]:
    where: list[Any] = [
        MemberTally.library_id == library_id,
        MemberTally.day >= start,
        MemberTally.day <= end,
        *_birth_years(q, q.end.year, MemberTally.birth_year),
    ]
    if q.school is not None:
        where.append(MemberTally.school == q.school)
    stmt = (
        select(MemberTally.day, func.sum(MemberTally.members))
        .where(*where)
        .group_by(MemberTally.day)
    )
    return {d: int(n or 0) for d, n in session.execute(stmt)}


def registrations_by_school(
    session: Session, library_id: int, q: Query, start: date | None = None
) -> dict[str, int]:
    """Members registered by the range's end (from `start`, when given), per school."""
    where: list[Any] = [
        MemberTally.library_id == library_id,
        MemberTally.day <= q.end,
        *_birth_years(q, q.end.year, MemberTally.birth_year),
    ]
    if start is not None:
        where.append(MemberTally.day >= start)
    stmt = (
        select(MemberTally.school, func.sum(MemberTally.members))
        .where(*where)
        .group_by(MemberTally.school)
    )
    return {s: int(n or 0) for s, n in session.execute(stmt)}


def participants(
    session: Session, challenge_id: int, q: Query, joined_from: date | None, tz: str
) -> int:
    """A challenge's participants of the query's cell who joined by the range's end."""
    where: list[Any] = [
        ChallengeParticipant.challenge_id == challenge_id,
        ChallengeParticipant.joined_at < local_midnight_utc(_next(q.end), tz),
    ]
    if joined_from is not None:
        where.append(ChallengeParticipant.joined_at >= local_midnight_utc(joined_from, tz))
    stmt = (
        select(func.count())
        .select_from(ChallengeParticipant)
        .where(*where, *_of_cell(q, ChallengeParticipant.member_id))
    )
    return int(session.execute(stmt).scalar_one())


def _next(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def badges_earned(session: Session, library_id: int, q: Query, tz: str) -> int:
    stmt = (
        select(func.count())
        .select_from(BadgeAward)
        .where(
            BadgeAward.badge_id.in_(select(Badge.id).where(Badge.library_id == library_id)),
            BadgeAward.awarded_at >= local_midnight_utc(q.start, tz),
            BadgeAward.awarded_at < local_midnight_utc(_next(q.end), tz),
            *_of_cell(q, BadgeAward.member_id),
        )
    )
    return int(session.execute(stmt).scalar_one())


def badges_by_badge(
    session: Session, library_id: int, q: Query, tz: str
) -> list[tuple[int, str, int]]:
    """(badge id, name, awards in the range) for each of the library's badges."""
    stmt = (
        select(Badge.id, Badge.name, func.count(BadgeAward.id))
        .select_from(Badge)
        .outerjoin(
            BadgeAward,
            and_(
                BadgeAward.badge_id == Badge.id,
                BadgeAward.awarded_at >= local_midnight_utc(q.start, tz),
                BadgeAward.awarded_at < local_midnight_utc(_next(q.end), tz),
            ),
        )
        .where(Badge.library_id == library_id)
        .group_by(Badge.id, Badge.name)
        .order_by(func.count(BadgeAward.id).desc(), Badge.id)
    )
    return [(int(i), str(n), int(c)) for i, n, c in session.execute(stmt)]


# SQLite's statistics say every log of a library shares one status (nearly all are
# accepted), and its planner then scans the whole log: the index finds the few waiting.
_PENDING = (
    "SELECT count(*) FROM reading_log {hint} WHERE library_id = :library_id"
    " AND status = 'pending_review' AND deleted_at IS NULL"
)
_PENDING_BY = {
    "sqlite": HotSql(_PENDING.format(hint="INDEXED BY ix_reading_log_library_id_status")),
    "postgresql": HotSql(_PENDING.format(hint="")),
}


def pending_review(session: Session, library_id: int, q: Query) -> int:
    """Logs waiting for staff (few): by the (library, status) index."""
    cell = _of_cell(q, ReadingLog.member_id)
    fast = _PENDING_BY.get(session.get_bind().dialect.name)
    if not cell and fast is not None:
        return int(fast.one(session, {"library_id": library_id})[0])
    stmt = (
        select(func.count())
        .select_from(ReadingLog)
        .where(
            ReadingLog.library_id == library_id,
            ReadingLog.status == "pending_review",
            ReadingLog.deleted_at.is_(None),
            *cell,
        )
    )
    return int(session.execute(stmt).scalar_one())


@dataclass(frozen=True, slots=True)
class ChallengeTally:
    challenge: Challenge
    participants: int
    completions: int
    progress: list[int]  # sorted, for the median and the 25/50/75/100% bands


def challenges_meeting(session: Session, library_id: int, q: Query) -> list[Challenge]:
    stmt = select(Challenge).where(
        Challenge.library_id == library_id, Challenge.deleted_at.is_(None)
    )
    if q.challenge_id is not None:
        stmt = stmt.where(Challenge.id == q.challenge_id)
    else:
        stmt = stmt.where(Challenge.starts_on <= q.end, Challenge.ends_on >= q.start)
    return list(session.execute(stmt.order_by(Challenge.starts_on, Challenge.id)).scalars())


def challenge_tallies(
    session: Session, challenges: Sequence[Challenge], q: Query
) -> list[ChallengeTally]:
    """Each challenge's participants of the cell, completions and sorted progress."""
    out = []
    for ch in challenges:
        stmt = select(ChallengeParticipant.progress, ChallengeParticipant.completed_at).where(
            ChallengeParticipant.challenge_id == ch.id,
            *_of_cell(q, ChallengeParticipant.member_id),
        )
        rows = session.execute(stmt).all()
        out.append(
            ChallengeTally(
                ch,
                len(rows),
                sum(1 for _, done in rows if done is not None),
                sorted(int(p) for p, _ in rows),
            )
        )
    return out


def achievers(
    session: Session, library_id: int, q: Query, tz: str, by_school: bool = False
) -> dict[str, tuple[int, int]]:
    """Members who completed a challenge in the range, and completions: per school (or
    under '' for all)."""
    key = func.coalesce(Member.school, "") if by_school else func.coalesce(None, "")
    stmt = (
        select(
            key,
            func.count(func.distinct(ChallengeParticipant.member_id)),
            func.count(),
        )
        .select_from(ChallengeParticipant)
        .join(Challenge, Challenge.id == ChallengeParticipant.challenge_id)
        .join(Member, Member.id == ChallengeParticipant.member_id)
        .where(
            Challenge.library_id == library_id,
            ChallengeParticipant.completed_at >= local_midnight_utc(q.start, tz),  # type: ignore[operator]
            ChallengeParticipant.completed_at < local_midnight_utc(_next(q.end), tz),  # type: ignore[operator]
            *_member_filters(q, q.end.year),
        )
        .group_by(key)
    )
    if q.challenge_id is not None:
        stmt = stmt.where(Challenge.id == q.challenge_id)
    return {str(k): (int(m), int(n)) for k, m, n in session.execute(stmt)}
