"""Rank in the database itself: per-board counts of members by score, kept with the counters.

A board's rank question is "how many listed members have more points than x?". Scanning
the board's members answers it in time proportional to the rank; this module keeps, per
board and per population, how many members hold each score (`board_rank`), at several
granularities (exact points, points >> 5, >> 10, >> 15). Counting above x then reads at
most 31 rows per granularity, whatever the board's size: x's own block of 32 at each
level, and the top level above it.

Populations: every counted member is in their class's set (`m` members, `s` staff and
administrators, shown when the library says so), and, on library boards, in their
school's. A minor is also counted under their birth year (`cohort`), which is what makes
age groups move on 1 January with nothing to rebuild: "teens this year" is a range of
birth years, and "everyone but the children" is everyone minus a range. Opted-out members
are in no set. Where each counter row was counted (`board_score.placed`) is kept on the
row, so a profile change (school, opt-out, a new role) moves exactly what was counted.

The counts move when a transaction commits its counter changes: `note` collects them
(with `ledger.append`, or the reading path's own statement, through the feed), and
`settle` applies them just before the commit, in one statement whose rows are locked in
key order (no deadlocks between concurrent logs on PostgreSQL). The same statement bumps
the board's version (striped over a few rows so concurrent logs rarely share one), which
tells a Redis index what it has missed; a profile change (a name, an opt-out, a role) moves
the board's listing version instead. Together they tell a process that keeps a board's top
in memory whether it is still the database's.

This module holds the statements that keep and read the counts; `placement` works out in
memory where a counter is counted and what a transaction moved, and `rank_refill` counts
every counter afresh. Their public names are importable from here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    case,
    func,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.core.dbcompat import insert
from app.core.hotsql import HotSql
from app.leaderboards.placement import (
    COHORT_YEARS,
    LISTING,
    SHIFTS,
    STRIPES,
    TOP,
    VERSION,
    WIDTH,
    Facts,
    Moves,
    Place,
    Population,
    Seen,
    cells,
    facts_of,
    place,
    placements,
)
from app.leaderboards.rank_refill import refill
from app.models.leaderboard import BoardRank, BoardScore
from app.models.member import Member

__all__ = [
    "COHORT_YEARS",
    "LISTING",
    "SHIFTS",
    "STRIPES",
    "TOP",
    "VERSION",
    "WIDTH",
    "Facts",
    "Moves",
    "Place",
    "Population",
    "Seen",
    "cells",
    "counts",
    "facts_of",
    "place",
    "placements",
    "refill",
    "settle",
    "version",
    "version_of",
    "versions",
]

_rank = BoardRank.__table__
_score = BoardScore.__table__
_member = Member.__table__
_br = _rank.c
_bs = _score.c
_m = _member.c


# -- settling ---------------------------------------------------------------------------


def settle(session: Session, moves: Moves) -> None:
    """Apply a transaction's moves to the counts and versions (called before its commit)."""
    year = moves.year or datetime.now(UTC).year
    delta: dict[tuple[Any, ...], int] = defaultdict(int)
    replaced: dict[tuple[str, int], str | None] = {}
    members = sorted(set(moves.points) | moves.replace)
    for member_id in members:
        moved = moves.points.get(member_id, {})
        whole = member_id in moves.replace
        boards = None if whole else sorted(b for b, n in moved.items() if n)
        if boards == []:
            continue
        rows = None if boards is None else moves.rows_of(member_id, boards)
        if rows is None:
            rows = _rows(session, member_id, boards)
        for board, points, placed, role, opted_out, birth_year, school in rows:
            now_placed = place(board, role, bool(opted_out), birth_year, school, year)
            before = points - moved.get(board, 0)
            for cell, n in cells(placed, before, -1):
                delta[(board, *cell)] += n
            for cell, n in cells(now_placed, points, 1):
                delta[(board, *cell)] += n
            if now_placed != placed:
                replaced[(board, member_id)] = now_placed
            if whole:  # the profile moved: what the board shows of them may have too
                delta[(board, LISTING, "", 0, 0, member_id % STRIPES)] += 1
    for member_id, touched in moves.touches.items():
        for board, n in touched.items():
            delta[(board, VERSION, "", 0, 0, member_id % STRIPES)] += n
    _apply(session, delta)
    for (board, member_id), placed in sorted(replaced.items()):
        _SET_PLACED.run(session, {"board": board, "member_id": member_id, "to_place": placed})


def _rows(session: Session, member_id: int, boards: list[str] | None) -> list[tuple[Any, ...]]:
    if boards is None:
        return _all_rows_stmt().run(session, {"member_id": member_id})
    return _rows_stmt(len(boards)).run(
        session, {"member_id": member_id, **{f"b{i}": b for i, b in enumerate(boards)}}
    )


def _member_rows() -> Select[Any]:
    """A member's counters, with the facts that say where each is counted."""
    return (
        select(
            _bs.board,
            _bs.points,
            _bs.placed,
            _m.role,
            _m.leaderboard_opt_out,
            _m.birth_year,
            _m.school,
        )
        .select_from(_score.join(_member, _m.id == _bs.member_id))
        .where(_bs.member_id == bindparam("member_id"))
    )


# The statements below are made on first use, once per process, not at import: what a
# module builds while it is imported is built before any test runs, so a test could not
# tell a wrong statement from the right one (`make mutation` showed it).
@lru_cache(maxsize=1)
def _all_rows_stmt() -> HotSql:
    return HotSql(_member_rows())


_SET_PLACED = HotSql(
    update(_score)
    .where(_bs.board == bindparam("board"), _bs.member_id == bindparam("member_id"))
    .values(placed=bindparam("to_place", type_=_bs.placed.type))
)


@lru_cache(maxsize=16)
def _rows_stmt(n: int) -> HotSql:
    return HotSql(_member_rows().where(_bs.board.in_([bindparam(f"b{i}") for i in range(n)])))


def _apply(session: Session, delta: Mapping[tuple[Any, ...], int]) -> None:
    rows = sorted((k, n) for k, n in delta.items() if n)
    for i in range(0, len(rows), 200):
        chunk = rows[i : i + 200]
        params: dict[str, Any] = {}
        for j, ((board, cls, school, cohort, lvl, key), n) in enumerate(chunk):
            params.update(
                {
                    f"b{j}": board,
                    f"c{j}": cls,
                    f"s{j}": school,
                    f"y{j}": cohort,
                    f"l{j}": lvl,
                    f"k{j}": key,
                    f"n{j}": n,
                }
            )
        _upsert(len(chunk)).run(session, params)


_CELL = (("b", "board"), ("c", "cls"), ("s", "school"), ("y", "cohort"), ("l", "lvl"), ("k", "key"))


@lru_cache(maxsize=64)
def _upsert(rows: int) -> HotSql:
    """Add to `rows` count rows at once, made when missing."""
    stmt = insert(_rank).values(
        [
            {
                **{col: bindparam(f"{p}{i}", type_=_br[col].type) for p, col in _CELL},
                "n": bindparam(f"n{i}", type_=_br.n.type),
            }
            for i in range(rows)
        ]
    )
    return HotSql(
        stmt.on_conflict_do_update(
            index_elements=list(_rank.primary_key.columns), set_={"n": _br.n + stmt.excluded.n}
        )
    )


# -- reading ---------------------------------------------------------------------------------


def _ranges(x: int) -> list[tuple[int, int, int]]:
    """(level, low key exclusive, high key exclusive) whose counts sum to "more than x"."""
    x = max(x, 0)
    out = []
    for i, shift in enumerate(SHIFTS):
        lo = x >> shift
        if i + 1 < len(SHIFTS):
            nxt = SHIFTS[i + 1]
            hi = ((x >> nxt) + 1) << (nxt - shift)
        else:
            hi = TOP
        out.append((shift, lo, hi))
    return out


@lru_cache(maxsize=8)
def _count_stmt(classes: int) -> HotSql:
    """(members above the points, members with any points), weighted by cohort: one
    branch per question (0: above the member's points, 1: above zero), class and level."""
    branches = [
        select(literal_column(str(q), Integer).label("q"), _br.cohort, _br.n).where(
            _br.board == bindparam("board"),
            _br.cls == bindparam(f"c{c}"),
            _br.school == bindparam("school"),
            _br.lvl == bindparam(f"l{q}_{i}"),
            _br.key > bindparam(f"lo{q}_{i}"),
            _br.key < bindparam(f"hi{q}_{i}"),
        )
        for q in range(2)
        for c in range(classes)
        for i in range(len(SHIFTS))
    ]
    cells = union_all(*branches).subquery("cells")
    weight = case(
        (cells.c.cohort == 0, bindparam("w0", type_=Integer) * cells.c.n),
        (
            cells.c.cohort.between(bindparam("ylo"), bindparam("yhi")),
            bindparam("w1", type_=Integer) * cells.c.n,
        ),
        else_=0,
    )
    weighted = select(cells.c.q, weight.label("w")).subquery("weighted")

    def total(q: int) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((weighted.c.q == q, weighted.c.w), else_=0)), 0)

    return HotSql(select(total(0), total(1)))


def counts(session: Session, board: str, points: int, who: Population) -> tuple[int, int] | None:
    """(members above `points`, members with any points) in a population; None when
    the counts cannot tell (a birth-year range not counted by cohort)."""
    weights = who.weights()
    if weights is None:
        return None
    w0, w1, ylo, yhi = weights
    params: dict[str, Any] = {
        "board": board,
        "school": who.school,
        "w0": w0,
        "w1": w1,
        "ylo": ylo,
        "yhi": yhi,
    }
    for c, cls in enumerate(who.classes):
        params[f"c{c}"] = cls
    for q, x in enumerate((points, 0)):
        for i, (lvl, lo, hi) in enumerate(_ranges(x)):
            params[f"l{q}_{i}"] = lvl
            params[f"lo{q}_{i}"] = lo
            params[f"hi{q}_{i}"] = hi
    above, ranked = _count_stmt(len(who.classes)).run(session, params)[0]
    return int(above), int(ranked)


def version_of(cls: str) -> ColumnElement[int]:
    """A board's version rows of one class, summed (the board is the `board` parameter)."""
    return (
        select(func.coalesce(func.sum(_br.n), 0))
        .where(_br.board == bindparam("board"), _br.cls == cls)
        .scalar_subquery()
    )


@lru_cache(maxsize=1)
def _version_stmt() -> HotSql:
    return HotSql(select(version_of(VERSION)))  # made on first use, as `_all_rows_stmt`


def version(session: Session, board: str) -> int:
    """How many counter changes the board has had (what a Redis index must have seen)."""
    return int(_version_stmt().run(session, {"board": board})[0][0])


def versions(session: Session, boards: list[str]) -> dict[str, int]:
    """The versions of many boards (a rebuild's snapshot); boards never moved are left out."""
    out: dict[str, int] = {}
    for i in range(0, len(boards), 500):
        chunk = boards[i : i + 500]
        rows = session.execute(
            select(BoardRank.board, func.sum(BoardRank.n))
            .where(BoardRank.cls == VERSION, BoardRank.board.in_(chunk))
            .group_by(BoardRank.board)
        )
        out.update({str(b): int(n) for b, n in rows if n})
    return out
