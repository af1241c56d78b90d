"""The statements of counting a log, built from the models' tables.

Core statements run by `HotSql` (compiled once per dialect). Each write counting makes
is built once (`_day_upsert`, `_finished_book`, `_new_genre`, `_counters`) and serves
both engines: SQLite runs them in turn (`counting.count_own`), PostgreSQL as parts of
one statement with the log (`LOG_AND_COUNT`), so the two write the same rows by
construction. Their parameters are `counting._counting_params`'.
"""

from __future__ import annotations

from typing import Any

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

from app.core import dbcompat
from app.core.hotsql import HotSql
from app.leaderboards import store as board_store
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberBook, MemberDay, MemberGenre, ReadingLog
from app.services import stats

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


FINISHED_BEFORE = HotSql(
    select(_book.c.book_id).where(
        _book.c.member_id == _param("member_id", _book.c.member_id),
        _book.c.book_id == _param("book_id", _book.c.book_id),
    )
)


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


PAGES_SINCE_FINISH = _pages_since_finish()


# A log's columns when it is logged: all but its id and what a review or a deletion
# sets later. Each is bound by its name, as the ORM's column types store it.
_LATER = frozenset({"id", "reviewed_at", "reviewed_by", "review_note", "deleted_at"})


def _log_insert() -> Insert:
    values = {c: _param(c.key, c) for c in _log.c if c.key not in _LATER}
    return insert(_log).values(values).returning(_log.c.id)


INSERT_LOG = HotSql(_log_insert())


# What counting a log writes besides the log and its ledger rows, one statement each;
# SQLite runs them in turn, PostgreSQL inside one statement with the log
# (`LOG_AND_COUNT`).

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
LOOSE = ("loose", "boosted", "boosted_multiplier")


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


DAY_UPSERT = HotSql(_day_upsert())
FINISHED_BOOK = HotSql(_finished_book())
NEW_GENRE = HotSql(_new_genre())
COUNTERS = HotSql(_counters(bindparam("genres", type_=Integer)))


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
    member's counters (each the very statement `counting.count_own` runs on SQLite, which has no
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
            ["member_id", "library_id", "amount", "rule_code", "log_id", "created_at", "day"],
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
    boards = board_store.adding_points(to_boards).cte("boards")
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


LOG_AND_COUNT = _log_and_count()
