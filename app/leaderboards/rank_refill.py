"""Counting every counter afresh: place each member's counter rows and count them by rank.

`refill` rebuilds the counts `app.leaderboards.ranks` keeps (of one library, or all):
for the migration that introduces them, a recount from the ledger and a bulk load. Its
statements place a counter as `placement.place` does, in SQL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from app.core.dbcompat import Insert, insert
from app.leaderboards.placement import COHORT_YEARS, LISTING, SHIFTS, VERSION
from app.models.leaderboard import BoardRank, BoardScore
from app.models.member import Member

_rank = BoardRank.__table__
_score = BoardScore.__table__
_member = Member.__table__
_br = _rank.c
_bs = _score.c
_m = _member.c


_LIB = bindparam("lib", type_=Integer)  # a library, or None for all of them
_REFILL_DELETE = delete(_rank).where(
    _br.cls.not_in([VERSION, LISTING]),  # versions only ever grow
    or_(
        _LIB.is_(None),
        _br.board.in_(
            select(_bs.board)
            .distinct()
            .select_from(_score.join(_member, _m.id == _bs.member_id))
            .where(_m.library_id == _LIB)
        ),
    ),
)
_FLOOR = bindparam("floor", type_=Integer)  # the first birth year counted by cohort
_CLASS = case((_m.role == "member", "m"), else_="s")
_PLACED = case(
    (_m.leaderboard_opt_out, null()),
    else_=_CLASS
    + "|"
    + cast(case((_m.birth_year >= _FLOOR, _m.birth_year), else_=0), String)
    + "|"
    + case((_bs.board.like("lib:%"), func.coalesce(_m.school, "")), else_=""),
)  # as `place` encodes it
_REFILL_PLACE = (
    update(_score)
    .values(placed=select(_PLACED).where(_m.id == _bs.member_id).scalar_subquery())
    .where(or_(_LIB.is_(None), _bs.member_id.in_(select(_m.id).where(_m.library_id == _LIB))))
)


@lru_cache(maxsize=4)
def _refill_count(with_school: bool, by_cohort: bool) -> Insert:
    """Count one kind of set (with the school or not, by birth year or not) at the level
    `lvl` (keys are points // `div`)."""
    school = (
        case((_bs.board.like("lib:%"), func.coalesce(_m.school, "")), else_="")
        if with_school
        else literal("", String)
    )
    cohort = (
        case((_m.birth_year >= _FLOOR, _m.birth_year), else_=0)
        if by_cohort
        else literal(0, Integer)
    )
    placed = (
        select(
            _bs.board.label("board"),
            _CLASS.label("cls"),
            school.label("school"),
            cohort.label("cohort"),
            (_bs.points // bindparam("div", type_=Integer)).label("key"),
        )
        .select_from(_score.join(_member, _m.id == _bs.member_id))
        .where(
            _bs.points > 0,
            _m.leaderboard_opt_out.is_(False),
            or_(_LIB.is_(None), _m.library_id == _LIB),
        )
        .subquery("placed")
    )
    p = placed.c
    where: list[ColumnElement[bool]] = []
    if with_school:
        where.append(p.school != "")
    if by_cohort:
        where.append(p.cohort != 0)
    counted = (
        select(
            p.board, p.cls, p.school, p.cohort, bindparam("lvl", type_=Integer), p.key, func.count()
        )
        .where(*where)
        .group_by(p.board, p.cls, p.school, p.cohort, p.key)
    )
    return insert(_rank).from_select(
        ["board", "cls", "school", "cohort", "lvl", "key", "n"], counted
    )


def refill(conn: Connection, year: int, library_id: int | None = None) -> None:
    """Place every counter (of one library, or all) and count them afresh.

    For the migration that introduces the counts, a recount from the ledger and a bulk
    load; versions are kept (they only ever grow).
    """
    params: dict[str, Any] = {"floor": year - COHORT_YEARS, "lib": library_id}
    conn.execute(_REFILL_DELETE, params)
    conn.execute(_REFILL_PLACE, params)
    for with_school in (False, True):
        for by_cohort in (False, True):
            for shift in SHIFTS:
                conn.execute(
                    _refill_count(with_school, by_cohort),
                    {**params, "lvl": shift, "div": 1 << shift},
                )
