"""Counting a log: its ledger rows, day, books, genres, counters and rollups.

Its statements are Core statements built from the models' tables and run by `HotSql`
(compiled once per dialect). Each write counting makes is built once (`_day_upsert`,
`_finished_book`, `_new_genre`, `_counters`) and serves both engines: SQLite runs them
in turn (`count_own`), PostgreSQL as parts of one statement with the log
(`_LOG_AND_COUNT`), so the two write the same rows by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import Session

from app import leaderboards
from app.analytics import backlog
from app.analytics import counters as analytics
from app.core import dbcompat
from app.core.hotsql import HotSql
from app.leaderboards import placement
from app.models.book import Book, BookPublic
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberBook, MemberDay, MemberGenre, ReadingLog
from app.reading.context import (
    Context,
)
from app.scoring import LogInput, Outcome, loose_minutes_of
from app.services import (
    ledger,
    stats,
)

_log = ReadingLog.__table__
_ledger = LedgerEntry.__table__
_score = BoardScore.__table__
_day = MemberDay.__table__
_book = MemberBook.__table__
_genre = MemberGenre.__table__
_member = Member.__table__


def _param(name: str, column: Any) -> Any:
    """The parameter `name`, bound as `column` stores its values."""
    return bindparam(name, type_=column.type)


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
    select(_book.c.book_id).where(
        _book.c.member_id == _param("member_id", _book.c.member_id),
        _book.c.book_id == _param("book_id", _book.c.book_id),
    )
)


def first_finish_of(session: Session, member_id: int, book_id: int) -> bool:
    return _FINISHED_BEFORE.first(session, {"member_id": member_id, "book_id": book_id}) is None


def _pages_since_finish() -> HotSql:
    """The pages of the member's logs of a book (counted or waiting) since their last
    finished one: a reading of the book cannot hold more pages than the book has."""
    c = _log.c
    live = and_(
        c.member_id == _param("member_id", c.member_id),
        c.book_id == _param("book_id", c.book_id),
        c.deleted_at.is_(None),
        c.status != "rejected",
    )
    # its own FROM: the same table as the outer query's, not correlated with it
    last_finish = select(func.max(c.id)).where(live, c.finished).correlate(None).scalar_subquery()
    return HotSql(
        select(func.coalesce(func.sum(c.pages), 0)).where(
            live, c.id > func.coalesce(last_finish, 0)
        )
    )


_PAGES_SINCE_FINISH = _pages_since_finish()


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


# A log's columns when it is logged: all but its id and what a review or a deletion
# sets later. Each is bound by its name, as the ORM's column types store it.
_LATER = frozenset({"id", "reviewed_at", "reviewed_by", "review_note", "deleted_at"})


def _log_insert() -> Insert:
    values = {c: _param(c.key, c) for c in _log.c if c.key not in _LATER}
    return insert(_log).values(values).returning(_log.c.id)


INSERT_LOG = HotSql(_log_insert())


# What counting a log writes besides the log and its ledger rows, one statement each;
# SQLite runs them in turn (`count_own`), PostgreSQL inside one statement with the log
# (`_LOG_AND_COUNT`). Their parameters are `_counting_params`'.

# The day's columns that a log adds to (`logs` by its 1), and the parameter of each.
_DAY_PARAMS = {
    "pages": "pages",
    "minutes": "minutes",
    "loose_minutes": "loose",
    "boosted_minutes": "boosted",
    "points": "points",
    "books_finished": "books",
}
# The day's loose minutes a log adds (`loose_minutes_of`), as `_day_upsert` binds them.
_LOOSE = ("loose", "boosted", "boosted_multiplier")


def _day_upsert() -> Insert:
    c = _day.c
    stmt = dbcompat.insert(_day).values(
        {
            c.member_id: _param("member_id", c.member_id),
            c.day: _param("read_on", c.day),
            **{c[col]: _param(name, c[col]) for col, name in _DAY_PARAMS.items()},
            c.boosted_multiplier: _param("boosted_multiplier", c.boosted_multiplier),
            c.logs: 1,
        }
    )
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=list(_day.primary_key.columns),
        set_={
            **{col: c[col] + new[col] for col in (*_DAY_PARAMS, "logs")},
            "boosted_multiplier": case(
                (new.boosted_multiplier > c.boosted_multiplier, new.boosted_multiplier),
                else_=c.boosted_multiplier,
            ),
        },
    )


def _finished_book() -> Insert:
    """The book finished, the first time (when `books` is 1)."""
    c = _book.c
    row = select(
        _param("member_id", c.member_id),
        _param("book_id", c.book_id),
        _param("read_on", c.finished_on),
    ).where(bindparam("books", type_=Integer) == 1)
    return (
        dbcompat.insert(_book)
        .from_select([c.member_id, c.book_id, c.finished_on], row)
        .on_conflict_do_nothing()
    )


def _new_genre() -> Insert:
    """The book's genre, when it has one the member has not read: a row for each new one."""
    c = _genre.c
    genre = _param("genre", c.genre)
    row = select(
        _param("member_id", c.member_id), cast(genre, c.genre.type), _param("read_on", c.first_on)
    ).where(genre.is_not(None))
    return (
        dbcompat.insert(_genre)
        .from_select([c.member_id, c.genre, c.first_on], row)
        .on_conflict_do_nothing()
        .returning(c.member_id)
    )


# The member's counters that a log adds to (`logs_total` by its 1, `genres_total` by
# its new genre), and the parameter of each.
_TOTALS_PARAMS = {
    "points_total": "points",
    "pages_total": "pages",
    "minutes_total": "minutes",
    "books_finished": "books",
}


def _counters(new_genres: ColumnElement[int]) -> Update:
    """The member's counters moved by the log; all of them as they are after it."""
    c = _member.c
    return (
        update(_member)
        .where(c.id == _param("member_id", c.id))
        .values(
            {
                **{c[col]: c[col] + _param(name, c[col]) for col, name in _TOTALS_PARAMS.items()},
                c.logs_total: c.logs_total + 1,
                c.genres_total: c.genres_total + new_genres,
            }
        )
        .returning(*(c[col] for col in stats.COUNTER_COLUMNS))
    )


_DAY_UPSERT = HotSql(_day_upsert())
_FINISHED_BOOK = HotSql(_finished_book())
_NEW_GENRE = HotSql(_new_genre())
_COUNTERS = HotSql(_counters(bindparam("genres", type_=Integer)))


def _unnested(name: str, *arrays: tuple[str, str, Any], ordinality: str | None = None) -> Any:
    """The rows of parallel array parameters (`unnest`) as the table `name`: for each
    (parameter, column, item type) a column, and `ordinality` numbering the rows."""
    return (
        func.unnest(*(cast(bindparam(param), pg.ARRAY(typ)) for param, _, typ in arrays))
        .table_valued(*(col for _, col, _ in arrays), with_ordinality=ordinality)
        .render_derived(name=name)
    )


def _log_and_count() -> HotSql:
    """PostgreSQL runs the whole write of a counted log as one statement: the log, its
    ledger rows, the board counters, the day, the finished book, the genre and the
    member's counters (each the very statement `count_own` runs on SQLite, which has no
    data-modifying WITH). The sub-statements share one snapshot; the member row is locked.
    """
    log = _log_insert().cte("log")
    lc, sc = _ledger.c, _score.c
    awards = _unnested(
        "r", ("amounts", "amount", Integer), ("codes", "rule_code", String), ordinality="n"
    )
    booked = (
        insert(_ledger)
        .from_select(
            [
                lc.member_id,
                lc.library_id,
                lc.amount,
                lc.rule_code,
                lc.log_id,
                lc.created_at,
                lc.day,
            ],
            select(
                _param("member_id", lc.member_id),
                _param("library_id", lc.library_id),
                awards.c.amount,
                awards.c.rule_code,
                log.c.id,
                _param("logged_at", lc.created_at),
                _param("read_on", lc.day),
            )
            .select_from(log, awards)
            .order_by(awards.c.n),
        )
        .returning(lc.id)
        .cte("booked")
    )
    deltas = _unnested(
        "b",
        ("boards", "board", String),
        ("board_points", "points", Integer),
        ("board_placed", "placed", String),
    )
    to_boards = dbcompat.insert(_score).from_select(
        [sc.board, sc.member_id, sc.points, sc.placed],
        select(
            deltas.c.board, _param("member_id", sc.member_id), deltas.c.points, deltas.c.placed
        ).order_by(deltas.c.board),
    )
    boards = (
        to_boards.on_conflict_do_update(
            index_elements=list(_score.primary_key.columns),
            set_={"points": sc.points + to_boards.excluded.points},
        )
        .returning(sc.board, sc.points, sc.placed)
        .cte("boards")
    )
    genre = _new_genre().cte("genre")
    counters = _counters(select(func.count()).select_from(genre).scalar_subquery()).cte("counters")
    statement = (
        select(
            select(log.c.id).scalar_subquery().label("log_id"),
            select(func.array_agg(pg.aggregate_order_by(booked.c.id, booked.c.id)))
            .scalar_subquery()
            .label("ledger_ids"),
            select(
                func.array_agg(
                    pg.array([boards.c.board, cast(boards.c.points, String), boards.c.placed])
                )
            )
            .scalar_subquery()
            .label("boards_written"),
            *counters.c,
        )
        .select_from(counters)
        .add_cte(
            log,
            booked,
            boards,
            _day_upsert().cte("day"),
            _finished_book().cte("finished"),
            genre,
            counters,
        )
    )
    return HotSql(statement)


_LOG_AND_COUNT = _log_and_count()


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
