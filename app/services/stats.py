"""A member's reading figures: days, streaks, totals and per-period sums."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlmodel import Session, col

from app.core.hotsql import HotSql
from app.models.book import Book
from app.models.challenge import ChallengeParticipant
from app.models.events import EventAttendance
from app.models.library import Library
from app.models.member import Member, MemberLike
from app.models.reading import LedgerEntry, MemberDay, MemberStats, ReadingLog, StatsPeriod
from app.models.share import Share
from app.scoring import DayState, Stats, streak_before, streaks

COUNTED = "accepted"


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """First and last local date of the week (Monday first), month or day holding `day`."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt - timedelta(days=1)
    return date.min, date.max


def counted_days(session: Session, member_id: int) -> list[date]:
    return list(
        session.execute(
            select(MemberDay.day)
            .where(MemberDay.member_id == member_id, MemberDay.logs > 0)
            .order_by(MemberDay.day)
        ).scalars()
    )


# Every log reads it: plain SQL straight to the driver (see app.core.hotsql). Days after
# read_on come too (a log may be back-dated up to 30 days): badges read every run of days.
RECENT_DAYS_LIMIT = 420
# A counted day's figures, as `member_day` holds them.
DAY_COLUMNS = (
    "day",
    "pages",
    "minutes",
    "loose_minutes",
    "boosted_minutes",
    "boosted_multiplier",
    "points",
    "logs",
)
DayRow = tuple[date, int, int, int, int, int, int, int]
_MEMBER_DAY = MemberDay.__table__
_RECENT_DAYS = HotSql(
    select(*(_MEMBER_DAY.c[c] for c in DAY_COLUMNS))
    .where(_MEMBER_DAY.c.member_id == bindparam("member_id"), _MEMBER_DAY.c.logs > 0)
    .order_by(_MEMBER_DAY.c.day.desc())
    .limit(RECENT_DAYS_LIMIT)
)


def recent_day_rows(session: Session, member_id: int) -> list[DayRow]:
    """The member's counted days, newest first (at most RECENT_DAYS_LIMIT)."""
    rows = _RECENT_DAYS.run(session, {"member_id": member_id})
    return [
        (day, pages, minutes, loose, boosted, multiplier, points, logs)
        for day, pages, minutes, loose, boosted, multiplier, points, logs in rows
    ]


def day_state(session: Session, member_id: int, read_on: date) -> DayState:
    """The member's counted reading on `read_on` and the streak leading up to it."""
    return day_facts(session, member_id, read_on)[0]


def day_facts(
    session: Session, member_id: int, read_on: date
) -> tuple[DayState, frozenset[date] | None]:
    """`day_state`, and every day the member has counted reading on when there are fewer
    than RECENT_DAYS_LIMIT of them (else None: `counted_days` reads them all)."""
    return day_facts_from(_RECENT_DAYS.run(session, {"member_id": member_id}), read_on)


def day_facts_from(
    rows: Sequence[Sequence[Any]], read_on: date
) -> tuple[DayState, frozenset[date] | None]:
    """`day_facts` from the member's recent day rows (`DAY_COLUMNS`, at most
    RECENT_DAYS_LIMIT of them)."""
    today: Sequence[Any] = (0,) * (len(DAY_COLUMNS) - 1)
    days: set[date] = set()
    for day, *figures in rows:
        if day == read_on:
            today = tuple(figures)
        days.add(day)
    pages, minutes, loose_minutes, boosted_minutes, boosted_multiplier, points, logs = today
    state = DayState(
        pages=pages,
        minutes=minutes,
        loose_minutes=loose_minutes,
        boosted_minutes=boosted_minutes,
        boosted_multiplier=boosted_multiplier,
        points=points,
        logs=logs,
        streak_before=streak_before(days, read_on),
    )
    return state, frozenset(days) if len(rows) < RECENT_DAYS_LIMIT else None


# Counted by instant, not by day: a share or a completion belongs to the local day it
# happened on, so these two read [start, end] as the instants of the library's calendar.
EVENT_METRICS = frozenset({"shares", "challenges_completed"})


def local_span(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight of `start` to local midnight after `end`."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time(), zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    return since, until


def _period_sums(session: Session, member_id: int, start: date, end: date) -> StatsPeriod:
    pages, minutes, logs, books, _, _ = _sums(session, member_id, start, end, None)
    points = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member_id, LedgerEntry.day.between(start, end)
        )
    ).scalar_one()
    return StatsPeriod(
        pages=int(pages),
        minutes=int(minutes),
        logs=int(logs),
        books_finished=int(books),
        points=int(points),
    )


def _sums(
    session: Session,
    member_id: int,
    start: date,
    end: date,
    events: tuple[datetime, datetime] | None,
) -> tuple[int, int, int, int, int, int]:
    """Reading sums of the days, and (when `events` gives the instants) the shares made
    and challenges completed then: one statement either way."""
    columns: list[ColumnElement[Any]] = [
        func.coalesce(func.sum(MemberDay.pages), 0),
        func.coalesce(func.sum(MemberDay.minutes), 0),
        func.coalesce(func.sum(MemberDay.logs), 0),
        func.coalesce(func.sum(MemberDay.books_finished), 0),
    ]
    if events is not None:
        since, until = events
        columns += [
            select(func.count())
            .select_from(Share)
            .where(Share.member_id == member_id, Share.created_at >= since)
            .where(Share.created_at < until)
            .scalar_subquery(),
            select(func.count())
            .select_from(ChallengeParticipant)
            .where(
                ChallengeParticipant.member_id == member_id,
                col(ChallengeParticipant.completed_at) >= since,
                col(ChallengeParticipant.completed_at) < until,
            )
            .scalar_subquery(),
        ]
    row = session.execute(
        select(*columns).where(MemberDay.member_id == member_id, MemberDay.day.between(start, end))
    ).one()
    pages, minutes, logs, books, *happened = (int(v) for v in row)
    shares, completed = happened or (0, 0)
    return pages, minutes, logs, books, shares, completed


def member_stats(session: Session, member: Member, today: date) -> MemberStats:
    current, longest = streaks(counted_days(session, member.id or 0), today)
    return MemberStats(
        current_streak=current,
        longest_streak=longest,
        books_finished=member.books_finished,
        pages=member.pages_total,
        minutes=member.minutes_total,
        logs=member.logs_total,
        genres=member.genres_total,
        this_week=_period_sums(session, member.id or 0, *period_bounds("week", today)),
        this_month=_period_sums(session, member.id or 0, *period_bounds("month", today)),
    )


def _genres_between(session: Session, member_id: int, start: date, end: date) -> int:
    return int(
        session.execute(
            select(func.count(func.distinct(Book.genre)))
            .select_from(ReadingLog)
            .join(Book, Book.id == ReadingLog.book_id)
            .where(
                ReadingLog.member_id == member_id,
                ReadingLog.status == COUNTED,
                ReadingLog.deleted_at.is_(None),
                ReadingLog.read_on.between(start, end),
                Book.genre.is_not(None),
            )
        ).scalar_one()
    )


def badge_stats(
    session: Session,
    member: MemberLike,
    periods: set[str],
    ref_day: date,
    *,
    metrics: set[str] | None = None,
    counters: Mapping[str, int] | None = None,
    days: Collection[date] | None = None,
    timezone: str | None = None,
) -> dict[str, Stats]:
    """Stats per period for badge criteria, over the periods holding `ref_day`.

    `counters` are the member's counter columns when the caller has them fresh (the
    reading path gets them back from its own UPDATE), `days` every day with counted
    reading when the caller has them (the reading path reads them for the day's
    state); `metrics` limits the work to the
    figures some criterion reads (streaks and genres cost a query each); `timezone`: the
    library's, when the caller has it (shares and completions are counted by instant).
    """
    if counters is None:
        counters = counters_of(session, member.id or 0)
    wanted = metrics if metrics is not None else {"streak_days", "genres"}
    if "streak_days" not in wanted:
        days = []
    elif days is None:
        days = counted_days(session, member.id or 0)
    else:
        days = sorted(days)
    longest = streaks(days, ref_day)[1] if days else 0
    attended = metrics is None or "events_attended" in metrics
    out = {
        "all_time": Stats(
            books_finished=counters["books_finished"],
            pages=counters["pages_total"],
            minutes=counters["minutes_total"],
            streak_days=longest,
            genres=counters["genres_total"],
            logs=counters["logs_total"],
            challenges_completed=counters["challenges_completed"],
            shares=counters["shares_total"],
            events_attended=_events_between(session, member.id or 0, None) if attended else 0,
        )
    }
    events = metrics is None or bool(metrics & EVENT_METRICS)
    if events and timezone is None and periods - {"all_time"}:
        timezone = session.execute(
            select(Library.timezone).where(Library.id == member.library_id)
        ).scalar_one()
    for period in periods - {"all_time"}:
        start, end = period_bounds(period, ref_day)
        span = local_span(start, end, timezone) if events and timezone else None
        pages, minutes, logs, books, shares, completed = _sums(
            session, member.id or 0, start, end, span
        )
        in_period = [d for d in days if start <= d <= end]
        out[period] = Stats(
            books_finished=books,
            pages=pages,
            minutes=minutes,
            streak_days=streaks(in_period, end)[1] if in_period else 0,
            genres=_genres_between(session, member.id or 0, start, end)
            if "genres" in wanted
            else 0,
            logs=logs,
            challenges_completed=completed,
            shares=shares,
            events_attended=_events_between(session, member.id or 0, (start, end))
            if attended
            else 0,
        )
    return out


def _events_between(session: Session, member_id: int, span: tuple[date, date] | None) -> int:
    """Events the member attended (checked in at), on local days within `span`."""
    stmt = select(func.count()).where(EventAttendance.member_id == member_id)
    if span is not None:
        stmt = stmt.where(EventAttendance.day.between(*span))
    return int(session.execute(stmt).scalar_one())


def counters_of(session: Session, member_id: int) -> dict[str, int]:
    """The member's counter columns as they are now in the database."""
    return dict(zip(COUNTER_COLUMNS, _COUNTERS.one(session, {"member_id": member_id}), strict=True))


COUNTER_COLUMNS = (
    "points_total",
    "points_pending",
    "pages_total",
    "minutes_total",
    "logs_total",
    "books_finished",
    "genres_total",
    "challenges_completed",
    "shares_total",
)
_MEMBER = Member.__table__
_COUNTERS = HotSql(
    select(*(_MEMBER.c[c] for c in COUNTER_COLUMNS)).where(_MEMBER.c.id == bindparam("member_id"))
)
