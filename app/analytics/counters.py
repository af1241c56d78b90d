"""The write side of analytics: what a counted log, a ledger row or a registration moves.

A log moves, in its own transaction: one `activity_day` row per scope (the library, and
each challenge it counts for) with its sums and the readers it makes (a `member_period`
row per scope and period, inserted once: a member counts once a day, week, month,
quarter and ever), and one `topic_day` row per book, author, genre and hashtag (with a
`member_topic` row making each member a topic's reader once). SQLite runs the four
statements in turn (`count_log`); PostgreSQL runs the same writes as parts of the
reading path's one statement (`PG_CTES`, `pg_params`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Date
from sqlmodel import Session

from app.core.clock import local_date
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.models.analytics import LIBRARY_SCOPE, NO_SCHOOL
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


# --- SQLite (and any engine): one multi-row statement each -------------------------


@lru_cache(maxsize=64)
def _seen_sql(n: int) -> HotSql:
    rows = ", ".join(f"(:member_id, :s{i}, :p{i}, :d{i})" for i in range(n))
    return HotSql(
        "INSERT INTO member_period (member_id, scope, period, starts_on)"  # noqa: S608
        f" VALUES {rows} ON CONFLICT DO NOTHING RETURNING scope, period",
        binds={f"d{i}": Date() for i in range(n)},
    )


def _upsert_sql(table: str, key: Sequence[str], counts: Sequence[str], n: int) -> HotSql:
    columns = (*key, *counts)
    rows = ", ".join("(" + ", ".join(f":{c}{i}" for c in columns) + ")" for i in range(n))
    moves = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return HotSql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {rows}"  # noqa: S608
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {moves}",
        binds={f"day{i}": Date() for i in range(n)},
    )


@lru_cache(maxsize=64)
def _activity_sql(n: int) -> HotSql:
    return _upsert_sql("activity_day", ACTIVITY_KEY, ACTIVITY_COUNTS, n)


@lru_cache(maxsize=64)
def _topic_seen_sql(n: int) -> HotSql:
    rows = ", ".join(f"(:member_id, :k{i}, :t{i}, :read_on)" for i in range(n))
    return HotSql(
        "INSERT INTO member_topic (member_id, kind, topic, first_on)"  # noqa: S608
        f" VALUES {rows} ON CONFLICT DO NOTHING RETURNING kind, topic",
        binds={"read_on": Date()},
    )


@lru_cache(maxsize=64)
def _topic_sql(n: int) -> HotSql:
    return _upsert_sql("topic_day", TOPIC_KEY, TOPIC_COUNTS, n)


def add_activity(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert `activity_day` rows (each: the key and any of the counts), adding counts."""
    if not rows:
        return
    full = [{**dict.fromkeys(ACTIVITY_COUNTS, 0), **r} for r in rows]
    params = {f"{k}{i}": v for i, r in enumerate(full) for k, v in r.items()}
    _activity_sql(len(full)).run(session, params)


def count_log(session: Session, facts: LogFacts) -> None:
    """Move the rollups for one counted log: one statement on PostgreSQL, four on SQLite.

    Every log of a library on a day moves the same `activity_day` and `topic_day` rows,
    so on PostgreSQL concurrent logs queue on their row locks: the reading path calls
    this as its last write, and the locks are held for the commit's round trip only.
    """
    if session.get_bind().dialect.name == "postgresql":
        _PG_COUNT.run(session, {**_pg_shared(facts), **pg_params(facts)})
        return
    periods = [
        (scope, period, start)
        for scope in facts.scopes
        for period, start in zip(PERIODS, period_starts(facts.read_on), strict=True)
    ]
    params: dict[str, Any] = {"member_id": facts.member_id, "read_on": facts.read_on}
    for i, (scope, period, start) in enumerate(periods):
        params[f"s{i}"], params[f"p{i}"], params[f"d{i}"] = scope, period, start
    seen = {(int(s), str(p)) for s, p in _seen_sql(len(periods)).run(session, params)}
    base = _base_row(facts)
    add_activity(
        session,
        [
            {
                **base,
                "challenge_id": scope,
                **{
                    col: int((scope, period) in seen)
                    for col, period in zip(READERS, PERIODS, strict=True)
                },
            }
            for scope in facts.scopes
        ],
    )
    topic_params: dict[str, Any] = {"member_id": facts.member_id, "read_on": facts.read_on}
    for i, (kind, topic) in enumerate(facts.topics):
        topic_params[f"k{i}"], topic_params[f"t{i}"] = kind, topic
    new = set(_topic_seen_sql(len(facts.topics)).run(session, topic_params))
    rows = [
        {
            "library_id": facts.library_id,
            "day": facts.read_on,
            "age_group": facts.age_group,
            "kind": kind,
            "topic": topic,
            "logs": 1,
            "pages": facts.pages,
            "minutes": facts.minutes,
            "finishes": facts.finishes,
            "readers": int((kind, topic) in new),
        }
        for kind, topic in facts.topics
    ]
    _topic_sql(len(rows)).run(
        session, {f"{k}{i}": v for i, r in enumerate(rows) for k, v in r.items()}
    )


def _base_row(facts: LogFacts) -> dict[str, Any]:
    return {
        "library_id": facts.library_id,
        "day": facts.read_on,
        "age_group": facts.age_group,
        "school": facts.school,
        "logs": 1,
        "pages": facts.pages,
        "minutes": facts.minutes,
        "finishes": facts.finishes,
        "points_reading": facts.points_reading,
        "points_bonus": facts.points_bonus,
    }


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


# --- PostgreSQL: the same writes inside the reading path's one statement -----------

PG_CTES = f"""
    seen AS (
        INSERT INTO member_period (member_id, scope, period, starts_on)
        SELECT :member_id, p.scope, p.period, p.starts_on
        FROM unnest(CAST(:an_period_scopes AS integer[]), CAST(:an_periods AS varchar[]),
            CAST(:an_starts AS date[])) AS p(scope, period, starts_on)
        ON CONFLICT DO NOTHING
        RETURNING scope, period
    ), activity AS (
        INSERT INTO activity_day ({", ".join(ACTIVITY_KEY + ACTIVITY_COUNTS)})
        SELECT :library_id, s.scope, :read_on, :an_age_group, :an_school, 1, :pages,
            :minutes, :books, :an_points_reading, :an_points_bonus,
            {
    ", ".join(
        f"(SELECT count(*) FROM seen WHERE seen.scope = s.scope AND seen.period = '{p}')"
        for p in PERIODS
    )
}
        FROM unnest(CAST(:an_scopes AS integer[])) AS s(scope)
        ORDER BY s.scope
        ON CONFLICT ({", ".join(ACTIVITY_KEY)}) DO UPDATE SET
            {", ".join(f"{c} = activity_day.{c} + excluded.{c}" for c in ACTIVITY_COUNTS)}
        RETURNING 1
    ), topic_seen AS (
        INSERT INTO member_topic (member_id, kind, topic, first_on)
        SELECT :member_id, t.kind, t.topic, :read_on
        FROM unnest(CAST(:an_kinds AS varchar[]), CAST(:an_topics AS varchar[]))
            AS t(kind, topic)
        ON CONFLICT DO NOTHING
        RETURNING kind, topic
    ), topics AS (
        INSERT INTO topic_day ({", ".join(TOPIC_KEY + TOPIC_COUNTS)})
        SELECT :library_id, :read_on, :an_age_group, t.kind, t.topic, 1, :pages, :minutes,
            :books, (SELECT count(*) FROM topic_seen AS n
                     WHERE n.kind = t.kind AND n.topic = t.topic)
        FROM unnest(CAST(:an_kinds AS varchar[]), CAST(:an_topics AS varchar[]))
            AS t(kind, topic)
        -- after every activity row: all logs lock the shared rows in one order
        CROSS JOIN (SELECT count(*) FROM activity) AS activity_done
        ORDER BY t.kind, t.topic
        ON CONFLICT ({", ".join(TOPIC_KEY)}) DO UPDATE SET
            {", ".join(f"{c} = topic_day.{c} + excluded.{c}" for c in TOPIC_COUNTS)}
        RETURNING 1
    )"""  # noqa: S608 (constant fragments)


def pg_params(facts: LogFacts) -> dict[str, Any]:
    """The parameters `PG_CTES` adds (it shares :member_id, :library_id, :read_on,
    :pages, :minutes and :books with the reading path's statement)."""
    starts = period_starts(facts.read_on)
    return {
        "an_period_scopes": [s for s in facts.scopes for _ in PERIODS],
        "an_periods": [p for _ in facts.scopes for p in PERIODS],
        "an_starts": [d for _ in facts.scopes for d in starts],
        "an_scopes": list(facts.scopes),
        "an_age_group": facts.age_group,
        "an_school": facts.school,
        "an_points_reading": facts.points_reading,
        "an_points_bonus": facts.points_bonus,
        "an_kinds": [k for k, _ in facts.topics],
        "an_topics": [t for _, t in facts.topics],
    }


_PG_COUNT = HotSql("WITH" + PG_CTES + " SELECT count(*) FROM topics")  # noqa: S608


def _pg_shared(facts: LogFacts) -> dict[str, Any]:
    return {
        "member_id": facts.member_id,
        "library_id": facts.library_id,
        "read_on": facts.read_on,
        "pages": facts.pages,
        "minutes": facts.minutes,
        "books": facts.finishes,
    }
