"""A member's reading figures: days, streaks, totals and per-period sums."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.models.book import Book
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberDay, MemberStats, ReadingLog, StatsPeriod
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


def day_state(session: Session, member_id: int, read_on: date) -> DayState:
    """The member's counted reading on `read_on` and the streak leading up to it."""
    rows = session.execute(
        select(MemberDay)
        .where(
            MemberDay.member_id == member_id,
            MemberDay.day <= read_on,
            MemberDay.logs > 0,
        )
        .order_by(MemberDay.day.desc())
        .limit(400)
    ).scalars()
    today: MemberDay | None = None
    days: set[date] = set()
    for row in rows:
        if row.day == read_on:
            today = row
        else:
            days.add(row.day)
    return DayState(
        pages=today.pages if today else 0,
        minutes=today.minutes if today else 0,
        loose_minutes=today.loose_minutes if today else 0,
        points=today.points if today else 0,
        logs=today.logs if today else 0,
        streak_before=streak_before(days, read_on),
    )


def _period_sums(session: Session, member_id: int, start: date, end: date) -> StatsPeriod:
    pages, minutes, logs, books = session.execute(
        select(
            func.coalesce(func.sum(MemberDay.pages), 0),
            func.coalesce(func.sum(MemberDay.minutes), 0),
            func.coalesce(func.sum(MemberDay.logs), 0),
            func.coalesce(func.sum(MemberDay.books_finished), 0),
        ).where(MemberDay.member_id == member_id, MemberDay.day.between(start, end))
    ).one()
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
    member: Member,
    periods: set[str],
    ref_day: date,
    *,
    challenges_completed: int = 0,
    shares: int = 0,
) -> dict[str, Stats]:
    """Stats per period for badge criteria, over the periods holding `ref_day`."""
    session.refresh(member)
    days = counted_days(session, member.id or 0)
    _, longest = streaks(days, ref_day)
    out = {
        "all_time": Stats(
            books_finished=member.books_finished,
            pages=member.pages_total,
            minutes=member.minutes_total,
            streak_days=longest,
            genres=member.genres_total,
            logs=member.logs_total,
            challenges_completed=challenges_completed,
            shares=shares,
        )
    }
    for period in periods - {"all_time"}:
        start, end = period_bounds(period, ref_day)
        sums = _period_sums(session, member.id or 0, start, end)
        _, longest_in = streaks([d for d in days if start <= d <= end], end)
        out[period] = Stats(
            books_finished=sums.books_finished,
            pages=sums.pages,
            minutes=sums.minutes,
            streak_days=longest_in,
            genres=_genres_between(session, member.id or 0, start, end),
            logs=sums.logs,
            challenges_completed=challenges_completed,
            shares=shares,
        )
    return out
