"""The write side of analytics: what a counted log, a ledger row or a registration moves.

A counted log moves one `activity_day` row per scope (the library, and each challenge it
counts for) with its sums and the readers it makes (a `member_period` row per scope and
period, inserted once: a member counts once a day, week, month, quarter and ever), and
one `topic_day` row per book, author, genre and hashtag (with a `member_topic` row making
each member a topic's reader once). Those moves are made in batches from the backlog
(`app.analytics.backlog`, written by `app.analytics.moves`); this module says what a log
adds (`LogFacts`) and moves the rows that registrations change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Date
from sqlmodel import Session

from app.analytics import rows as analytics_rows
from app.analytics import versions
from app.core.clock import local_date
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.models.analytics import LIBRARY_SCOPE, NO_SCHOOL, ActivityDay
from app.models.member import age_group
from app.scoring import READING_CODES

PERIODS = ("d", "w", "m", "q", "a")
# The one "period" of `a` (ever): a member's first counted log.
EVER = date(2000, 1, 1)
SUMS = ("logs", "pages", "minutes", "finishes", "points_reading", "points_bonus")
READERS = ("readers_day", "readers_week", "readers_month", "readers_quarter", "first_timers")
ACTIVITY_COUNTS = SUMS + READERS
ACTIVITY_KEY = ("library_id", "challenge_id", "day", "age_group", "school")
TOPIC_COUNTS = ("logs", "pages", "minutes", "finishes", "readers")
TOPIC_KEY = ("library_id", "day", "age_group", "kind", "topic")
TOPIC_LENGTH = 200
# A rollup row's key, in its table's key order.
Cell = tuple[Any, ...]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_starts(day: date) -> tuple[date, ...]:
    """The first day of each of `PERIODS` holding `day`."""
    return (day, week_start(day), month_start(day), quarter_start(day), EVER)


def school_key(school: str | None) -> str:
    return (school or NO_SCHOOL).strip()[:80]


class Reader(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def birth_year(self) -> int: ...
    @property
    def school(self) -> str | None: ...


class BookLike(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def author(self) -> str: ...
    @property
    def genre(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LogFacts:
    """What a counted log adds to the rollups."""

    library_id: int
    member_id: int
    age_group: str
    school: str
    read_on: date
    pages: int
    minutes: int
    finishes: int
    points_reading: int
    points_bonus: int
    scopes: tuple[int, ...]
    topics: tuple[tuple[str, str], ...]


def split_points(awards: Iterable[tuple[str, int]]) -> tuple[int, int]:
    """Reading points and bonus points of (rule code, amount) pairs."""
    reading = bonus = 0
    for code, amount in awards:
        if code in READING_CODES:
            reading += amount
        else:
            bonus += amount
    return reading, bonus


def topics_of(book: BookLike, hashtags: Sequence[str]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = [("book", str(book.id or 0))]
    if book.author.strip():
        found.append(("author", book.author.strip()[:TOPIC_LENGTH]))
    if book.genre:
        found.append(("genre", book.genre[:TOPIC_LENGTH]))
    keys = dict.fromkeys(hashtag_key(t)[:TOPIC_LENGTH] for t in hashtags)
    found.extend(("hashtag", k) for k in keys)
    return tuple(found)


def log_facts(
    member: Reader,
    library_id: int,
    read_on: date,
    pages: int,
    minutes: int,
    first_finish: bool,
    awards: Iterable[tuple[str, int]],
    challenge_ids: Sequence[int],
    book: BookLike,
    hashtags: Sequence[str],
) -> LogFacts:
    reading, bonus = split_points(awards)
    return LogFacts(
        library_id=library_id,
        member_id=member.id or 0,
        age_group=age_group(member.birth_year, read_on.year),
        school=school_key(member.school),
        read_on=read_on,
        pages=pages,
        minutes=minutes,
        finishes=int(first_finish),
        points_reading=reading,
        points_bonus=bonus,
        scopes=(LIBRARY_SCOPE, *dict.fromkeys(c for c in challenge_ids if c)),
        topics=topics_of(book, hashtags),
    )


def version_move() -> dict[str, int]:
    """What a write adds to its library's version row: one."""
    return {**dict.fromkeys(ACTIVITY_COUNTS, 0), "logs": 1}


def add_version(session: Session, library_id: int, stripe: int) -> None:
    """Move a library's version alone (a write that moved rollups outside `moves.add`)."""
    analytics_rows.add_counts(
        session,
        ActivityDay,
        ACTIVITY_KEY,
        ACTIVITY_COUNTS,
        {versions.cell(library_id, stripe): version_move()},
    )


# --- Registrations -------------------------------------------------------------------

_TALLY = HotSql(
    "INSERT INTO member_tally (library_id, day, birth_year, school, members)"
    " VALUES (:library_id, :day, :birth_year, :school, :n)"
    " ON CONFLICT (library_id, day, birth_year, school)"
    " DO UPDATE SET members = member_tally.members + excluded.members",
    binds={"day": Date()},
)


class Registered(Protocol):
    @property
    def library_id(self) -> int | None: ...
    @property
    def birth_year(self) -> int: ...
    @property
    def school(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


def member_joined(session: Session, member: Registered, timezone: str, n: int = 1) -> None:
    """A member registered (n=1) or left (n=-1), on the library's local day of joining."""
    if member.library_id is None:
        return
    _TALLY.run(
        session,
        {
            "library_id": member.library_id,
            "day": local_date(member.created_at, timezone),
            "birth_year": member.birth_year,
            "school": school_key(member.school),
            "n": n,
        },
    )
    add_version(session, member.library_id, member.birth_year)


def school_changed(
    session: Session, member: Registered, timezone: str, old: str | None, new: str | None
) -> None:
    """A member moved school: their registration moves cell."""
    if school_key(old) == school_key(new) or member.library_id is None:
        return
    day = local_date(member.created_at, timezone)
    for school, n in ((old, -1), (new, 1)):
        _TALLY.run(
            session,
            {
                "library_id": member.library_id,
                "day": day,
                "birth_year": member.birth_year,
                "school": school_key(school),
                "n": n,
            },
        )
    add_version(session, member.library_id, member.birth_year)
