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

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.core.hotsql import HotSql
from app.leaderboards import ranks
from app.models.leaderboard import BoardScore
from app.models.member import Member

_bs = BoardScore.__table__.c
_m = Member.__table__.c


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
    # Plain SQL built once per row count, straight to the driver: this runs on every
    # ledger append, and both engines speak ON CONFLICT ... DO UPDATE ... RETURNING.
    tuples = ", ".join(f"(:b{i}, :member_id, :p{i}, :c{i})" for i in range(rows))
    return HotSql(
        "INSERT INTO board_score (board, member_id, points, placed) VALUES "  # noqa: S608
        + tuples
        + " ON CONFLICT (board, member_id) DO UPDATE "
        "SET points = board_score.points + excluded.points"
        " RETURNING board, points, placed"
    )


def top(session: Session, board: str, limit: int, filters: Filters) -> list[Row]:
    """The best `limit` members with points, ties in member id order."""
    rows = session.execute(
        select(
            _bs.member_id, _bs.points, _m.nickname, _m.display_name, _m.guardian_id, _m.birth_year
        )
        .select_from(BoardScore.__table__)
        .join(Member.__table__, _m.id == _bs.member_id)
        .where(_bs.board == board, _bs.points > 0, *filters.where())
        .order_by(_bs.points.desc(), _bs.member_id)
        .limit(limit)
    )
    return [Row(*r) for r in rows]


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
        who = ranks.Population(
            ("m", "s") if filters.with_staff else ("m",),
            filters.school or "",
            filters.birth_year_min,
            filters.birth_year_max,
            year,
        )
        found = ranks.counts(session, board, own or 0, who)
        if found is not None:
            return own, found[0], found[1]
    return _standing_by_scan(session, board, member_id, filters)


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
_NAMES = text(
    "SELECT id, nickname, display_name, guardian_id, birth_year FROM member WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_POINTS = text("SELECT points FROM board_score WHERE board = :board AND member_id = :member")
_LIBRARY_BY_ID = text("SELECT id, slug, timezone, staff_on_boards FROM library WHERE id = :id")
_LIBRARY_BY_SLUG = text(
    "SELECT id, slug, timezone, staff_on_boards FROM library WHERE slug = :slug"
)


def names(session: Session, member_ids: list[int]) -> dict[int, Row]:
    """What may be shown of the listed members (points left at 0)."""
    if not member_ids:
        return {}
    rows = session.execute(_NAMES, {"ids": member_ids})
    return {r[0]: Row(r[0], 0, r[1], r[2], r[3], r[4]) for r in rows}


def points_of(session: Session, board: str, member_id: int) -> int | None:
    return session.execute(_POINTS, {"board": board, "member": member_id}).scalar_one_or_none()


def library(
    session: Session, *, id_: int | None = None, slug: str | None = None
) -> tuple[int, str, str, bool] | None:
    """(id, slug, time zone, staff on boards) of a library, by id or by slug."""
    if slug is not None:
        row = session.execute(_LIBRARY_BY_SLUG, {"slug": slug}).first()
    else:
        row = session.execute(_LIBRARY_BY_ID, {"id": id_}).first()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]), bool(row[3]))


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
