"""Counting a log: its ledger rows, day, books, genres, counters and rollups.

Its statements are in `counting_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from app import leaderboards
from app.analytics import backlog
from app.analytics import counters as analytics
from app.leaderboards import placement
from app.models.book import Book, BookPublic
from app.reading import counting_sql as sql
from app.reading.context import (
    Context,
)
from app.reading.counting_sql import INSERT_LOG
from app.scoring import LogInput, Outcome, loose_minutes_of
from app.services import (
    ledger,
    stats,
)

__all__ = [
    "INSERT_LOG",
    "CountedLog",
    "Inserted",
    "book_pages_left",
    "count",
    "count_own",
    "first_finish_of",
    "log_and_count_at_once",
    "rollup_facts",
]


class CountedLog(Protocol):
    """What counting needs of a log (a stored `ReadingLog`, or one just inserted)."""

    id: int | None
    pages: int
    minutes: int
    read_on: date
    challenge_ids: list[int]
    hashtags: list[str]


@dataclass(slots=True)
class Inserted:
    id: int
    pages: int
    minutes: int
    read_on: date
    challenge_ids: list[int]
    hashtags: list[str]


def first_finish_of(session: Session, member_id: int, book_id: int) -> bool:
    return sql.FINISHED_BEFORE.first(session, {"member_id": member_id, "book_id": book_id}) is None


def book_pages_left(
    session: Session, member_id: int, book: Book | BookPublic, pages: int
) -> int | None:
    """The book's pages the member has not logged since last finishing it (None: the
    book's page count is unknown). Asked only when the log could fit at all."""
    if not book.pages or pages == 0:
        return None
    if pages > book.pages:
        return book.pages  # beyond the book whatever came before
    (earlier,) = sql.PAGES_SINCE_FINISH.one(session, {"member_id": member_id, "book_id": book.id})
    return book.pages - int(earlier)


def log_and_count_at_once(
    session: Session,
    ctx: Context,
    values: dict[str, Any],
    book: BookPublic,
    log_in: LogInput,
    outcome: Outcome,
) -> tuple[int, list[ledger.Booked], dict[str, int]]:
    """PostgreSQL: store a counted log and everything it moves in one round trip.

    Returns the log's id, its ledger rows and the member's counters after them.
    """
    member = ctx.member
    read_on: date = values["read_on"]
    awards = [a for a in outcome.awards if a.amount != 0]
    rows = [ledger.Row(a.rule_code, a.amount) for a in awards]
    deltas = leaderboards.board_deltas(
        session, member, rows, day=read_on, challenge_ids=values["challenge_ids"]
    )
    boards = sorted((b, n) for b, n in deltas.items() if n != 0)
    facts = placement.facts_of(member)
    now: datetime = values["logged_at"]
    placed = placement.placements(facts, (b for b, _ in boards), now.year)
    pages, minutes = values["pages"], values["minutes"]
    found = sql.LOG_AND_COUNT.one(
        session,
        {
            **values,
            "amounts": [a.amount for a in awards],
            "codes": [a.rule_code for a in awards],
            "boards": [b for b, _ in boards],
            "board_points": [n for _, n in boards],
            "board_placed": [placed[b] for b, _ in boards],
            **_counting_params(member.id or 0, read_on, pages, minutes, book, log_in, outcome),
        },
    )
    log_id, ledger_ids, written, *counters = found
    # Ids come from the sequence in the rows' order.
    booked = ledger.booked(
        member,
        [ledger.Row(a.rule_code, a.amount, log_id=log_id) for a in awards],
        ledger_ids or [],
        day=read_on,
        now=now,
    )
    written_rows = {b: (int(points), where) for b, points, where in written or ()}
    leaderboards.publish_after_commit(
        session, member, deltas, now, ctx.timezone, seen=placement.Seen(facts, written_rows)
    )
    return log_id, booked, dict(zip(stats.COUNTER_COLUMNS, counters, strict=True))


def _counting_params(
    member_id: int,
    read_on: date,
    pages: int,
    minutes: int,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
) -> dict[str, Any]:
    """The parameters of the counting statements (`counting_sql`); the
    log's ledger rows add up to `outcome.points`, which the day and the total both gain."""
    return {
        "member_id": member_id,
        "read_on": read_on,
        "pages": pages,
        "minutes": minutes,
        **dict(zip(sql.LOOSE, loose_minutes_of(pages, minutes, log_in.multiplier), strict=True)),
        "points": outcome.points,
        "books": int(log_in.first_finish),
        "book_id": book.id,
        "genre": book.genre or None,
    }


def count(
    session: Session,
    ctx: Context,
    log: CountedLog,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
    now: datetime,
    genres_read: frozenset[str] | None = None,
) -> tuple[list[ledger.Booked], dict[str, int]]:
    """Make an accepted (or approved) log count: ledger, day, books, genres, counters
    and the facts for the analytics rollups (left in their backlog, last).

    Returns the ledger rows and the member's counters after them. `genres_read`: the
    member's genres, when the caller read them under the member's lock.
    """
    rows, counters = count_own(session, ctx, log, book, log_in, outcome, now, genres_read)
    backlog.enqueue(session, log.id, rollup_facts(ctx, log, book, log_in, outcome))
    return rows, counters


def rollup_facts(
    ctx: Context, log: CountedLog, book: Book | BookPublic, log_in: LogInput, outcome: Outcome
) -> analytics.LogFacts:
    """What a counted log adds to the analytics rollups."""
    return analytics.log_facts(
        ctx.member,
        ctx.library_id,
        log.read_on,
        log.pages,
        log.minutes,
        log_in.first_finish,
        [(a.rule_code, a.amount) for a in outcome.awards],
        log.challenge_ids,
        book,
        log.hashtags,
    )


def count_own(
    session: Session,
    ctx: Context,
    log: CountedLog,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
    now: datetime,
    genres_read: frozenset[str] | None,
) -> tuple[list[ledger.Booked], dict[str, int]]:
    """`count` but the rollups."""
    member = ctx.member
    rows = ledger.append(
        session,
        member,
        [ledger.Row(a.rule_code, a.amount, log_id=log.id) for a in outcome.awards],
        day=log.read_on,
        now=now,
        challenge_ids=list(log.challenge_ids),
        move_total=False,
        timezone=ctx.timezone,
        roll_up=False,
    )
    params = _counting_params(
        member.id or 0, log.read_on, log.pages, log.minutes, book, log_in, outcome
    )
    sql.DAY_UPSERT.run(session, params)
    if log_in.first_finish:
        sql.FINISHED_BOOK.run(session, params)
    new_genre = (
        bool(book.genre)
        and (genres_read is None or book.genre not in genres_read)
        and bool(sql.NEW_GENRE.run(session, params))
    )
    counters = sql.COUNTERS.one(session, {**params, "genres": int(new_genre)})
    return rows, dict(zip(stats.COUNTER_COLUMNS, counters, strict=True))
