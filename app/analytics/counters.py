"""The write side of analytics: what a counted log, a ledger row or a registration moves.

A counted log moves one `activity_day` row per scope (the library, and each challenge it
counts for) with its sums and the readers it makes (a `member_period` row per scope and
period, inserted once: a member counts once a day, week, month, quarter and ever), and
one `topic_day` row per book, author, genre and hashtag (with a `member_topic` row making
each member a topic's reader once). Those moves are made in batches from the backlog
(`app.analytics.backlog`); this module says what a log adds (`LogFacts`), writes what a
batch adds (`add`, the one writer of those rows, in one lock order), and moves the rows
that bonus points, withdrawals and registrations change in their own transaction (the
first two at its commit, with that same writer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Date, event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.analytics import rows as analytics_rows
from app.core.clock import local_date
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.models.analytics import (
    LIBRARY_SCOPE,
    NO_SCHOOL,
    ActivityDay,
    MemberPeriod,
    MemberTopic,
    TopicDay,
)
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


# --- bonus points and withdrawals: the library's day rows, at their transaction's commit ---


def add_activity(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add to `activity_day` rows (each: the key and any of the counts), at the commit."""
    cells: dict[Cell, dict[str, int]] = {}
    for r in rows:
        cell = cells.setdefault(
            tuple(r[k] for k in ACTIVITY_KEY), dict.fromkeys(ACTIVITY_COUNTS, 0)
        )
        for c in ACTIVITY_COUNTS:
            cell[c] += r.get(c, 0)
    if cells:
        defer(session, cells=cells)


def uncount_log(
    session: Session,
    member: Reader,
    library_id: int,
    read_on: date,
    pages: int,
    minutes: int,
    challenge_ids: Sequence[int],
) -> None:
    """A counted log withdrawn: its sums leave the day (its points leave by the ledger's
    compensating rows; a reader once seen stays seen)."""
    base = {
        "library_id": library_id,
        "day": read_on,
        "age_group": age_group(member.birth_year, read_on.year),
        "school": school_key(member.school),
        "logs": -1,
        "pages": -pages,
        "minutes": -minutes,
    }
    scopes = (LIBRARY_SCOPE, *dict.fromkeys(c for c in challenge_ids if c))
    add_activity(session, [{**base, "challenge_id": s} for s in scopes])


def record_points(
    session: Session,
    member: Reader,
    library_id: int,
    day: date,
    rows: Iterable[tuple[str, int, int | None]],
) -> None:
    """Ledger rows booked outside a log's own counting (bonuses, compensations): their
    points move the day's library row, and a challenge's own row for its bonus."""
    by_scope: dict[int, list[tuple[str, int]]] = {}
    for code, amount, challenge_id in rows:
        by_scope.setdefault(LIBRARY_SCOPE, []).append((code, amount))
        if challenge_id:
            by_scope.setdefault(challenge_id, []).append((code, amount))
    base = {
        "library_id": library_id,
        "day": day,
        "age_group": age_group(member.birth_year, day.year),
        "school": school_key(member.school),
    }
    out = []
    for scope, awards in by_scope.items():
        reading, bonus = split_points(awards)
        if reading or bonus:
            out.append(
                {**base, "challenge_id": scope, "points_reading": reading, "points_bonus": bonus}
            )
    add_activity(session, out)


def add(
    session: Session,
    batch: Sequence[LogFacts],
    cells: Mapping[Cell, Mapping[str, int]] | None = None,
) -> None:
    """What `batch` (in log order) adds, as if each log had moved the rollups in turn, and
    `cells` (activity_day counts) with it. The one writer of the rollups: it takes their
    rows' locks in one order, member_period, member_topic, activity_day, topic_day, each
    in key order, so writers never wait for each other in a circle."""
    activity: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY_COUNTS, 0))
    for key, counts in (cells or {}).items():
        _add_to(activity[key], counts)
    topics: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOPIC_COUNTS, 0))
    # A member's first log of a period (or topic) in the batch makes them a reader there,
    # if no earlier batch has: the cell of that log counts them.
    periods: dict[tuple[int, int, str, date], Cell] = {}
    met: dict[tuple[int, str, str], tuple[date, Cell]] = {}
    for f in batch:
        sums = {
            "logs": 1,
            "pages": f.pages,
            "minutes": f.minutes,
            "finishes": f.finishes,
            "points_reading": f.points_reading,
            "points_bonus": f.points_bonus,
        }
        starts = period_starts(f.read_on)
        for scope in f.scopes:
            cell: Cell = (f.library_id, scope, f.read_on, f.age_group, f.school)
            _add_to(activity[cell], sums)
            for period, start in zip(PERIODS, starts, strict=True):
                periods.setdefault((f.member_id, scope, period, start), cell)
        for kind, topic in f.topics:
            topic_cell: Cell = (f.library_id, f.read_on, f.age_group, kind, topic)
            _add_to(topics[topic_cell], sums)
            met.setdefault((f.member_id, kind, topic), (f.read_on, topic_cell))
    reader_of = dict(zip(PERIODS, READERS, strict=True))
    for member_id, scope, period, start in analytics_rows.first_seen(
        session,
        MemberPeriod,
        ("member_id", "scope", "period", "starts_on"),
        sorted(periods),
    ):
        activity[periods[(member_id, scope, period, start)]][reader_of[period]] += 1
    for member_id, kind, topic, _ in analytics_rows.first_seen(
        session,
        MemberTopic,
        ("member_id", "kind", "topic", "first_on"),
        sorted((*key, first_on) for key, (first_on, _) in met.items()),
    ):
        topics[met[(member_id, kind, topic)][1]]["readers"] += 1
    analytics_rows.add_counts(session, ActivityDay, ACTIVITY_KEY, ACTIVITY_COUNTS, activity)
    analytics_rows.add_counts(session, TopicDay, TOPIC_KEY, TOPIC_COUNTS, topics)


def _add_to(into: dict[str, int], sums: Mapping[str, int]) -> None:
    for k, v in sums.items():
        if k in into:
            into[k] += v


# --- written at the commit ---------------------------------------------------------------
# A transaction's own moves (a withdrawn log's waiting facts, the sums it takes away, bonus
# points) wait on the session and are written together just before it commits, by `add`:
# written as they came, a withdrawal held topic rows that a backlog batch waited for while
# the batch held the day row the withdrawal wanted next (PostgreSQL found a deadlock and
# failed one of them). A savepoint rolled back takes its moves with it.

_MOVES = "analytics.moves"
Move = tuple[SessionTransaction, Sequence[LogFacts], Mapping[Cell, Mapping[str, int]]]


def defer(
    session: Session,
    facts: Sequence[LogFacts] = (),
    cells: Mapping[Cell, Mapping[str, int]] | None = None,
) -> None:
    """`add(session, facts, cells)` at the commit of the session's transaction."""
    trans = session.get_nested_transaction() or session.get_transaction()
    if trans is None:  # nothing has begun: there is nothing to keep an order with
        add(session, facts, cells)
        return
    session.info.setdefault(_MOVES, []).append((trans, facts, cells or {}))


def write_deferred(session: OrmSession) -> None:
    """Write the moves waiting for the commit now: what reads the rollups inside this
    transaction (a verification) must see them."""
    found: list[Move] | None = session.info.pop(_MOVES, None)
    if not found:
        return
    cells: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY_COUNTS, 0))
    for _, _, more in found:
        for cell, counts in more.items():
            _add_to(cells[cell], counts)
    add(session, [f for _, facts, _ in found for f in facts], cells)


def forget_deferred(session: Session, library_id: int) -> None:
    """Drop a library's moves waiting for the commit (its rollups are being recounted
    from the logs and the ledger, which hold them)."""
    found: list[Move] | None = session.info.get(_MOVES)
    if found:
        session.info[_MOVES] = [
            (
                trans,
                [f for f in facts if f.library_id != library_id],
                {k: v for k, v in cells.items() if k[0] != library_id},
            )
            for trans, facts, cells in found
        ]


@event.listens_for(OrmSession, "before_commit")
def _write_moves(session: OrmSession) -> None:
    if session.get_nested_transaction() is None:  # a savepoint's moves wait for the outer
        write_deferred(session)


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_rolled_back(session: OrmSession, previous: SessionTransaction) -> None:
    found: list[Move] | None = session.info.get(_MOVES)
    if found:
        session.info[_MOVES] = [m for m in found if not _inside(m[0], previous)]


def _inside(trans: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while trans is not None:
        if trans is outer:
            return True
        trans = trans.parent
    return False


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
