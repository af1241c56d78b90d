"""Reads over the rollups (and the small tables beside them); no reading-log scans.

Every function takes the scope's library id and a checked `Query`, and returns plain
numbers: privacy and shaping are the service's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session

from app.analytics.counters import ACTIVITY_COUNTS, month_start, quarter_start
from app.analytics.scope import Query
from app.core.clock import local_midnight_utc
from app.models.analytics import LIBRARY_SCOPE, ActivityDay, MemberTally
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import KIDS_MAX_AGE, TEENS_MAX_AGE, Member

DayRow = dict[str, int]


def activity_filters(library_id: int, q: Query, start: date, end: date) -> list[Any]:
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
        .where(*activity_filters(library_id, q, start, end))
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
        .where(*activity_filters(library_id, q, q.start, q.end))
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


def birth_years(q: Query, year: int, column: Any) -> list[Any]:
    """Members of the query's age group in `year` (the age group follows the calendar)."""
    if q.age_group == "kids":
        return [column >= year - KIDS_MAX_AGE]
    if q.age_group == "teens":
        return [column < year - KIDS_MAX_AGE, column >= year - TEENS_MAX_AGE]
    if q.age_group == "adults":
        return [column < year - TEENS_MAX_AGE]
    return []


def _member_filters(q: Query, year: int) -> list[Any]:
    where = birth_years(q, year, Member.birth_year)
    if q.school is not None:
        where.append(func.coalesce(Member.school, "") == q.school)
    return where


def of_cell(q: Query, member_id: Any) -> list[Any]:
    """`member_id` among the query's cell, or nothing to add when the cell is everyone (a
    join with the members table lets SQLite's planner walk every member)."""
    filters = _member_filters(q, q.end.year)
    return [member_id.in_(select(Member.id).where(*filters))] if filters else []


def cell_members(library_id: int, q: Query) -> Any:
    """The ids of the library's members in the query's cell."""
    return select(Member.id).where(Member.library_id == library_id, *_member_filters(q, q.end.year))


def tally_filters(library_id: int, q: Query, start: date, end: date) -> list[Any]:
    """Registrations of the query's cell between `start` and `end`, inclusive."""
    where: list[Any] = [
        MemberTally.library_id == library_id,
        MemberTally.day >= start,
        MemberTally.day <= end,
        *birth_years(q, q.end.year, MemberTally.birth_year),
    ]
    if q.school is not None:
        where.append(MemberTally.school == q.school)
    return where


def registrations_by_school(
    session: Session, library_id: int, q: Query, start: date | None = None
) -> dict[str, int]:
    """Members registered by the range's end (from `start`, when given), per school."""
    where: list[Any] = [
        MemberTally.library_id == library_id,
        MemberTally.day <= q.end,
        *birth_years(q, q.end.year, MemberTally.birth_year),
    ]
    if start is not None:
        where.append(MemberTally.day >= start)
    stmt = (
        select(MemberTally.school, func.sum(MemberTally.members))
        .where(*where)
        .group_by(MemberTally.school)
    )
    return {s: int(n or 0) for s, n in session.execute(stmt)}


def next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


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
                BadgeAward.awarded_at < local_midnight_utc(next_day(q.end), tz),
            ),
        )
        .where(Badge.library_id == library_id)
        .group_by(Badge.id, Badge.name)
        .order_by(func.count(BadgeAward.id).desc(), Badge.id)
    )
    return [(int(i), str(n), int(c)) for i, n, c in session.execute(stmt)]


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
            ChallengeParticipant.completed_at < local_midnight_utc(next_day(q.end), tz),  # type: ignore[operator]
            *_member_filters(q, q.end.year),
        )
        .group_by(key)
    )
    if q.challenge_id is not None:
        stmt = stmt.where(Challenge.id == q.challenge_id)
    return {str(k): (int(m), int(n)) for k, m, n in session.execute(stmt)}
