"""The database side of the boards: the counters (the truth) and the queries over them.

Works on SQLite and PostgreSQL alike with no other service. Counters move only by
`INSERT ... ON CONFLICT DO UPDATE SET points = points + excluded.points`, one statement
for all the boards a ledger append touches, in the transaction that books the rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, case, exists, func, select
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.core.dbcompat import Insert, insert
from app.core.hotsql import HotSql
from app.leaderboards import ranks
from app.models.leaderboard import BoardScore
from app.models.library import Library
from app.models.member import Member

_score = BoardScore.__table__
_member = Member.__table__
_bs = _score.c
_m = _member.c
_lib = Library.__table__.c


@dataclass(frozen=True, slots=True)
class Filters:
    """Who a board lists: by birth years (an age group) and school; never the opted-out."""

    birth_year_min: int | None = None
    birth_year_max: int | None = None
    school: str | None = None
    with_staff: bool = False  # the library's staff_on_boards

    def where(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [_m.leaderboard_opt_out.is_(False)]
        if not self.with_staff:
            out.append(_m.role == "member")
        if self.birth_year_min is not None:
            out.append(_m.birth_year >= self.birth_year_min)
        if self.birth_year_max is not None:
            out.append(_m.birth_year <= self.birth_year_max)
        if self.school is not None:
            out.append(_m.school == self.school)
        return out

    def shape(self) -> tuple[bool, bool, bool, bool]:
        """Which filters apply (the statement's shape; their values are its parameters)."""
        return (
            self.with_staff,
            self.birth_year_min is not None,
            self.birth_year_max is not None,
            self.school is not None,
        )

    def admits(self, member: Member) -> bool:
        """Whether `member` belongs on a board with these filters (opt-out aside)."""
        if self.birth_year_min is not None and member.birth_year < self.birth_year_min:
            return False
        if self.birth_year_max is not None and member.birth_year > self.birth_year_max:
            return False
        return self.school is None or member.school == self.school


@dataclass(frozen=True, slots=True)
class Row:
    member_id: int
    points: int
    nickname: str | None
    display_name: str
    guardian_id: int | None
    birth_year: int | None = None

    @property
    def is_child(self) -> bool:
        return self.guardian_id is not None


def add(
    session: Session,
    member_id: int,
    deltas: Mapping[str, int],
    placed: Mapping[str, str | None],
) -> dict[str, tuple[int, str | None]]:
    """Move one member's counters on several boards: one multi-row UPSERT. A new row is
    counted where `placed` says (see `ranks.placements`). Returns each row as written:
    (points, placement)."""
    values = [
        (board, n)
        for board, n in sorted(deltas.items())  # a fixed order: no lock-order deadlocks
        if n != 0
    ]
    if not values:
        return {}
    params: dict[str, Any] = {"member_id": member_id}
    for i, (board, n) in enumerate(values):
        params[f"b{i}"] = board
        params[f"p{i}"] = n
        params[f"c{i}"] = placed.get(board)
    return {
        board: (int(points), where)
        for board, points, where in _upsert(len(values)).run(session, params)
    }


@lru_cache(maxsize=16)
def _upsert(rows: int) -> HotSql:
    # Built once per row count, straight to the driver: this runs on every ledger append.
    # A new row is written with its placement; every row comes back as written.
    stmt = insert(_score).values(
        [
            {
                "board": bindparam(f"b{i}", type_=_bs.board.type),
                "member_id": bindparam("member_id", type_=_bs.member_id.type),
                "points": bindparam(f"p{i}", type_=_bs.points.type),
                "placed": bindparam(f"c{i}", type_=_bs.placed.type),
            }
            for i in range(rows)
        ]
    )
    return HotSql(adding_points(stmt))


def adding_points(stmt: Insert) -> ReturningInsert[Any]:
    """The counters' one way to move: `stmt`'s rows (board, member, points, placed) are
    written when new and add their points when not; every row comes back as written
    (board, points, placed). The ledger append's upsert and PostgreSQL's one-statement
    write of a log (`app/reading/counting_sql.py`) both move counters through it."""
    return stmt.on_conflict_do_update(
        index_elements=list(_score.primary_key.columns),
        set_={"points": _bs.points + stmt.excluded.points},
    ).returning(_bs.board, _bs.points, _bs.placed)


def top(session: Session, board: str, limit: int, filters: Filters) -> list[Row]:
    """The best `limit` members with points, ties in member id order."""
    params: dict[str, Any] = {"board": board, "limit": limit}
    if filters.birth_year_min is not None:
        params["by_min"] = filters.birth_year_min
    if filters.birth_year_max is not None:
        params["by_max"] = filters.birth_year_max
    if filters.school is not None:
        params["school"] = filters.school
    return [Row(*r) for r in _top_stmt(*filters.shape()).run(session, params)]


@lru_cache(maxsize=32)
def _top_stmt(with_staff: bool, by_min: bool, by_max: bool, school: bool) -> HotSql:
    """The top of a board for one shape of filters (their values are parameters): read
    in the order of the board's index, so it stops after `limit` listed members."""
    where: list[ColumnElement[bool]] = [
        _bs.board == bindparam("board"),
        _bs.points > 0,
        _m.leaderboard_opt_out.is_(False),
    ]
    if not with_staff:
        where.append(_m.role == "member")
    if by_min:
        where.append(_m.birth_year >= bindparam("by_min", type_=_m.birth_year.type))
    if by_max:
        where.append(_m.birth_year <= bindparam("by_max", type_=_m.birth_year.type))
    if school:
        where.append(_m.school == bindparam("school", type_=_m.school.type))
    return HotSql(
        select(
            _bs.member_id, _bs.points, _m.nickname, _m.display_name, _m.guardian_id, _m.birth_year
        )
        .select_from(_score.join(_member, _m.id == _bs.member_id))
        .where(*where)
        .order_by(_bs.points.desc(), _bs.member_id)
        .limit(bindparam("limit", type_=Integer))
    )


def standing(
    session: Session, board: str, member_id: int, filters: Filters, year: int | None = None
) -> tuple[int | None, int, int]:
    """(the member's points or None without a row, members with more, members ranked).

    From the board's rank counts (`ranks`): the member's own points by primary key, then
    a few count rows, whatever the board's size. Filters the counts cannot express (an
    age range of a past year) fall back to one pass over the board's listed members.
    """
    if year is not None:
        own = points_of(session, board, member_id)
        found = rank_counts(session, board, own, filters, year)
        if found is not None:
            return own, found[0], found[1]
    return _standing_by_scan(session, board, member_id, filters)


def rank_counts(
    session: Session, board: str, own: int | None, filters: Filters, year: int
) -> tuple[int, int] | None:
    """(members with more than `own`, members ranked) from the rank counts; None when
    the counts cannot tell (then `standing` scans)."""
    who = ranks.Population(
        ("m", "s") if filters.with_staff else ("m",),
        filters.school or "",
        filters.birth_year_min,
        filters.birth_year_max,
        year,
    )
    return ranks.counts(session, board, own or 0, who)


def _standing_by_scan(
    session: Session, board: str, member_id: int, filters: Filters
) -> tuple[int | None, int, int]:
    mine = (
        select(_bs.points).where(_bs.board == board, _bs.member_id == member_id).scalar_subquery()
    )
    floor = func.coalesce(mine, 0)
    better = func.coalesce(func.sum(case((_bs.points > floor, 1), else_=0)), 0)
    own, above, ranked = session.execute(
        select(mine, better, func.count())
        .select_from(BoardScore.__table__)
        .join(Member.__table__, _m.id == _bs.member_id)
        .where(_bs.board == board, _bs.points > 0, *filters.where())
    ).one()
    return (None if own is None else int(own)), int(above), int(ranked)


# The read path's fixed statements, made once: building and hashing a select() per
# request costs more CPU than the database spends answering it.
@lru_cache(maxsize=8)
def _names_stmt(n: int) -> HotSql:
    return HotSql(
        select(_m.id, _m.nickname, _m.display_name, _m.guardian_id, _m.birth_year).where(
            _m.id.in_([bindparam(f"id{i}", type_=_m.id.type) for i in range(n)])
        )
    )


_POINTS = HotSql(
    select(_bs.points).where(_bs.board == bindparam("board"), _bs.member_id == bindparam("member"))
)
_LIBRARY_COLUMNS = (_lib.id, _lib.slug, _lib.timezone, _lib.staff_on_boards)
_LIBRARY_BY_ID = HotSql(select(*_LIBRARY_COLUMNS).where(_lib.id == bindparam("id")))
_LIBRARY_BY_SLUG = HotSql(select(*_LIBRARY_COLUMNS).where(_lib.slug == bindparam("slug")))


def names(session: Session, member_ids: list[int]) -> dict[int, Row]:
    """What may be shown of the listed members (points left at 0)."""
    out: dict[int, Row] = {}
    for i in range(0, len(member_ids), 100):
        chunk = member_ids[i : i + 100]
        params = {f"id{j}": m for j, m in enumerate(chunk)}
        for r in _names_stmt(len(chunk)).run(session, params):
            out[r[0]] = Row(r[0], 0, r[1], r[2], r[3], r[4])
    return out


def points_of(session: Session, board: str, member_id: int) -> int | None:
    row = _POINTS.first(session, {"board": board, "member": member_id})
    return None if row is None else int(row[0])


def library(
    session: Session, *, id_: int | None = None, slug: str | None = None
) -> tuple[int, str, str, bool] | None:
    """(id, slug, time zone, staff on boards) of a library, by id or by slug."""
    if slug is not None:
        row = _LIBRARY_BY_SLUG.first(session, {"slug": slug})
    else:
        row = _LIBRARY_BY_ID.first(session, {"id": id_})
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]), bool(row[3]))


@dataclass(frozen=True, slots=True)
class Head:
    """What a board request reads first, in one statement: the library's settings as
    the database has them now (to check a process's copy), the board's versions, the
    caller's own points, and whether the caller is a guardian in the library."""

    timezone: str
    staff_on_boards: bool
    version: int  # counter moves (what a Redis index counts)
    listing: int  # profile changes of the board's members
    own: int | None
    guardian: bool


_HEAD = HotSql(
    select(
        _lib.timezone,
        _lib.staff_on_boards,
        ranks.version_of(ranks.VERSION),
        ranks.version_of(ranks.LISTING),
        select(_bs.points)
        .where(_bs.board == bindparam("board"), _bs.member_id == bindparam("member"))
        .scalar_subquery(),
        exists().where(_m.guardian_id == bindparam("member"), _m.library_id == _lib.id),
    ).where(_lib.id == bindparam("library"))
)


def head(session: Session, board: str, library_id: int, member_id: int) -> Head | None:
    """The board's head (None when the library is gone)."""
    row = _HEAD.first(session, {"board": board, "library": library_id, "member": member_id})
    if row is None:
        return None
    timezone, staff, version, listing, own, guardian = row
    return Head(
        str(timezone),
        bool(staff),
        int(version),
        int(listing),
        None if own is None else int(own),
        bool(guardian),
    )


def on_boards(role: str, opted_out: bool, staff_on_boards: bool) -> bool:
    """Whether a member is listed on their library's public boards: not opted out, and
    a member (staff and administrators only when the library says so)."""
    return not opted_out and (role == "member" or staff_on_boards)


@dataclass(frozen=True, slots=True)
class ScoreRow:
    board: str
    member_id: int
    points: int
    birth_year: int
    school: str | None
    opted_out: bool
    name: str  # Member.public_name()
    role: str = "member"


def scores_of_library(session: Session, library_id: int) -> Iterator[ScoreRow]:
    """Every counter of a library's members, streamed (for rebuilding the Redis index)."""
    result = session.execute(
        select(
            _bs.board,
            _bs.member_id,
            _bs.points,
            _m.birth_year,
            _m.school,
            _m.leaderboard_opt_out,
            _m.nickname,
            _m.display_name,
            _m.guardian_id,
            _m.role,
        )
        .select_from(BoardScore.__table__)
        .join(Member.__table__, _m.id == _bs.member_id)
        .where(_m.library_id == library_id)
        .execution_options(yield_per=20_000)
    )
    for r in result:
        name = Member.public_name(Row(r[1], 0, r[6], r[7], r[8], r[3]))
        yield ScoreRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), name, str(r[9]))


def scores_of_member(session: Session, member_id: int) -> list[tuple[str, int]]:
    return [
        (r[0], r[1])
        for r in session.execute(select(_bs.board, _bs.points).where(_bs.member_id == member_id))
    ]
