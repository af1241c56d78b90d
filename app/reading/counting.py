"""Counting a log: its ledger rows, day, books, genres, counters and rollups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
)
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from app import leaderboards
from app.analytics import backlog
from app.analytics import counters as analytics
from app.core.hotsql import HotSql
from app.leaderboards import ranks as board_ranks
from app.models.book import Book, BookPublic
from app.models.types import UtcDateTime
from app.reading.context import (
    Context,
)
from app.scoring import LogInput, Outcome, loose_minutes_of
from app.services import (
    ledger,
    stats,
)


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


_FINISHED_BEFORE = HotSql(
    "SELECT 1 FROM member_book WHERE member_id = :member_id AND book_id = :book_id"
)


def first_finish_of(session: Session, member_id: int, book_id: int) -> bool:
    return _FINISHED_BEFORE.first(session, {"member_id": member_id, "book_id": book_id}) is None


# The pages of the member's logs of a book (counted or waiting) since their last
# finished one: a reading of the book cannot hold more pages than the book has.
_PAGES_SINCE_FINISH = HotSql(
    """
    SELECT COALESCE(SUM(pages), 0) FROM reading_log
    WHERE member_id = :member_id AND book_id = :book_id AND deleted_at IS NULL
        AND status <> 'rejected'
        AND id > COALESCE((SELECT MAX(id) FROM reading_log
            WHERE member_id = :member_id AND book_id = :book_id AND finished
                AND deleted_at IS NULL AND status <> 'rejected'), 0)
    """
)


def book_pages_left(
    session: Session, member_id: int, book: Book | BookPublic, pages: int
) -> int | None:
    """The book's pages the member has not logged since last finishing it (None: the
    book's page count is unknown). Asked only when the log could fit at all."""
    if not book.pages or pages == 0:
        return None
    if pages > book.pages:
        return book.pages  # beyond the book whatever came before
    (earlier,) = _PAGES_SINCE_FINISH.one(session, {"member_id": member_id, "book_id": book.id})
    return book.pages - int(earlier)


# What counting a log writes besides the log and its ledger rows, one statement each;
# SQLite runs them in turn (`count`), PostgreSQL inside one statement with the log
# (`_LOG_AND_COUNT`). Both engines have ON CONFLICT and RETURNING.
_DAY_SQL = """
    INSERT INTO member_day
        (member_id, day, pages, minutes, loose_minutes, boosted_minutes, boosted_multiplier,
            points, logs, books_finished)
    VALUES (:member_id, :read_on, :pages, :minutes, :loose, :boosted, :boosted_multiplier,
        :points, 1, :books)
    ON CONFLICT (member_id, day) DO UPDATE SET
        pages = member_day.pages + excluded.pages,
        minutes = member_day.minutes + excluded.minutes,
        loose_minutes = member_day.loose_minutes + excluded.loose_minutes,
        boosted_minutes = member_day.boosted_minutes + excluded.boosted_minutes,
        boosted_multiplier = CASE
            WHEN excluded.boosted_multiplier > member_day.boosted_multiplier
            THEN excluded.boosted_multiplier ELSE member_day.boosted_multiplier END,
        points = member_day.points + excluded.points,
        logs = member_day.logs + 1,
        books_finished = member_day.books_finished + excluded.books_finished
"""
_FINISHED_BOOK_SQL = (
    "INSERT INTO member_book (member_id, book_id, finished_on)"
    " SELECT :member_id, :book_id, :read_on WHERE :books = 1 ON CONFLICT DO NOTHING"
)
_NEW_GENRE_SQL = (
    "INSERT INTO member_genre (member_id, genre, first_on)"
    " SELECT :member_id, CAST(:genre AS varchar(40)), :read_on WHERE :genre IS NOT NULL"
    " ON CONFLICT DO NOTHING RETURNING 1"
)
_COUNTERS_SQL = """
    UPDATE member SET
        points_total = points_total + :points,
        pages_total = pages_total + :pages,
        minutes_total = minutes_total + :minutes,
        logs_total = logs_total + 1,
        books_finished = books_finished + :books,
        genres_total = genres_total + {new_genres}
    WHERE id = :member_id
    RETURNING points_total, points_pending, pages_total, minutes_total, logs_total,
        books_finished, genres_total, challenges_completed, shares_total
"""
# The day's loose minutes a log adds (`loose_minutes_of`), as `_DAY_SQL` binds them.
_LOOSE = ("loose", "boosted", "boosted_multiplier")
_ON_DAY = {"read_on": Date()}
_DAY_UPSERT = HotSql(_DAY_SQL, binds=_ON_DAY)
_FINISHED_BOOK = HotSql(_FINISHED_BOOK_SQL, binds=_ON_DAY)
_NEW_GENRE = HotSql(_NEW_GENRE_SQL, binds=_ON_DAY)
_COUNTERS = HotSql(_COUNTERS_SQL.format(new_genres=":genres"))


LOG_COLUMNS = (
    "member_id, library_id, book_id, logged_by, pages, minutes, finished, read_on, hashtags,"
    " note, rating, status, review_reasons, multiplier, challenge_ids, points,"
    " pending_points, logged_at, counted_at"
)
LOG_VALUES = ", ".join(":" + c.strip() for c in LOG_COLUMNS.split(","))
# How a log's values are stored (what the ORM's column types do with them).
LOG_TYPES: dict[str, TypeEngine[Any]] = {
    "finished": Boolean(),
    "read_on": Date(),
    "hashtags": JSON(),
    "review_reasons": JSON(),
    "challenge_ids": JSON(),
    "logged_at": UtcDateTime(),
    "counted_at": UtcDateTime(),
}


# PostgreSQL runs the whole write of a counted log as one statement: the log, its ledger
# rows, the board counters, the day, the finished book, the genre and the member's
# counters (each the same write `count` makes one by one on SQLite, which has no
# data-modifying WITH). The sub-statements share one snapshot; the member row is locked.
_LOG_AND_COUNT = HotSql(
    f"""
    WITH log AS (
        INSERT INTO reading_log ({LOG_COLUMNS}) VALUES ({LOG_VALUES})
        RETURNING id
    ), booked AS (
        INSERT INTO ledger_entry (member_id, library_id, amount, rule_code, log_id,
            created_at, day)
        SELECT :member_id, :library_id, r.amount, r.rule_code, log.id, :logged_at, :read_on
        FROM log, unnest(CAST(:amounts AS integer[]), CAST(:codes AS varchar[]))
            WITH ORDINALITY AS r(amount, rule_code, n)
        ORDER BY r.n
        RETURNING id
    ), boards AS (
        INSERT INTO board_score (board, member_id, points, placed)
        SELECT b.board, :member_id, b.points, b.placed
        FROM unnest(CAST(:boards AS varchar[]), CAST(:board_points AS integer[]),
            CAST(:board_placed AS varchar[])) AS b(board, points, placed)
        ORDER BY b.board
        ON CONFLICT (board, member_id) DO UPDATE
        SET points = board_score.points + excluded.points
        RETURNING board, points, placed
    ), day AS ({_DAY_SQL}
    ), finished AS ({_FINISHED_BOOK_SQL}
    ), genre AS ({_NEW_GENRE_SQL}
    ), counters AS ({_COUNTERS_SQL.format(new_genres="(SELECT count(*) FROM genre)")}
    )
    SELECT (SELECT id FROM log) AS log_id,
        (SELECT array_agg(id ORDER BY id) FROM booked) AS ledger_ids,
        (SELECT array_agg(ARRAY[board, CAST(points AS varchar), placed]) FROM boards)
            AS boards_written,
        counters.*
    FROM counters
    """,  # noqa: S608 (constant fragments)
    binds=LOG_TYPES,
)


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
    facts = board_ranks.facts_of(member)
    now: datetime = values["logged_at"]
    placed = board_ranks.placements(facts, (b for b, _ in boards), now.year)
    pages, minutes = values["pages"], values["minutes"]
    found = _LOG_AND_COUNT.one(
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
        session, member, deltas, now, ctx.timezone, seen=board_ranks.Seen(facts, written_rows)
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
    """The parameters of the counting statements (`_DAY_SQL` ... `_COUNTERS_SQL`); the
    log's ledger rows add up to `outcome.points`, which the day and the total both gain."""
    return {
        "member_id": member_id,
        "read_on": read_on,
        "pages": pages,
        "minutes": minutes,
        **dict(zip(_LOOSE, loose_minutes_of(pages, minutes, log_in.multiplier), strict=True)),
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
    _DAY_UPSERT.run(session, params)
    if log_in.first_finish:
        _FINISHED_BOOK.run(session, params)
    new_genre = (
        bool(book.genre)
        and (genres_read is None or book.genre not in genres_read)
        and bool(_NEW_GENRE.run(session, params))
    )
    counters = _COUNTERS.one(session, {**params, "genres": int(new_genre)})
    return rows, dict(zip(stats.COUNTER_COLUMNS, counters, strict=True))


INSERT_LOG = HotSql(
    f"INSERT INTO reading_log ({LOG_COLUMNS}) VALUES ({LOG_VALUES}) RETURNING id",  # noqa: S608
    binds=LOG_TYPES,
)
