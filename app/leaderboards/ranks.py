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
tells a Redis index what it has missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlmodel import Session

from app.core.hotsql import HotSql
from app.models.leaderboard import BoardRank

SHIFTS = (0, 5, 10, 15)
WIDTH = 32  # 1 << 5: keys per block between two levels
STRIPES = 16  # rows a board's version is spread over
VERSION = "#"  # the class of the version rows
# Minors are counted under their birth year; the age groups read birth years from 17
# years back, so members up to 18 years younger than the (UTC) year are, with a year's
# slack for library time zones and New Year's Eve.
COHORT_YEARS = 18
TOP = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Place:
    """Where a member's points on one board are counted (None for nowhere)."""

    cls: str  # "m" or "s"
    school: str  # "" when the board has no school sets or the member no school
    cohort: int  # birth year, 0 when not counted by birth year

    def encode(self) -> str:
        return f"{self.cls}|{self.cohort}|{self.school}"

    @staticmethod
    def decode(placed: str | None) -> Place | None:
        if not placed:
            return None
        cls, cohort, school = placed.split("|", 2)
        return Place(cls, school, int(cohort))

    def sets(self) -> list[tuple[str, str, int]]:
        """(class, school, cohort) of every set the member is counted in."""
        out = [(self.cls, "", 0)]
        if self.cohort:
            out.append((self.cls, "", self.cohort))
        if self.school:
            out.append((self.cls, self.school, 0))
            if self.cohort:
                out.append((self.cls, self.school, self.cohort))
        return out


def place(
    board: str, role: str, opted_out: bool, birth_year: int, school: str | None, year: int
) -> str | None:
    """The placement of a member's counter on `board` (encoded), None when not counted."""
    if opted_out:
        return None
    cls = "m" if role == "member" else "s"
    cohort = birth_year if birth_year >= year - COHORT_YEARS else 0
    sk = (school or "") if board.startswith("lib:") else ""
    return Place(cls, sk, cohort).encode()


def cells(placed: str | None, points: int, sign: int) -> Iterable[tuple[tuple[Any, ...], int]]:
    """The count rows (class, school, cohort, level, key) a member at `points` adds to."""
    where = Place.decode(placed)
    if where is None or points <= 0:
        return
    for cls, school, cohort in where.sets():
        for shift in SHIFTS:
            yield (cls, school, cohort, shift, points >> shift), sign


# -- collecting and settling ------------------------------------------------------------


# What `place` reads of a member: role, opted out, birth year, school.
Facts = tuple[str, bool, int, str | None]


def facts_of(member: Any) -> Facts:
    return (member.role, bool(member.leaderboard_opt_out), member.birth_year, member.school)


def placements(facts: Facts, boards: Iterable[str], year: int) -> dict[str, str | None]:
    """Where a member's new counter rows on `boards` are counted (written with the rows,
    so a first log needs no re-placement)."""
    role, opted_out, birth_year, school = facts
    return {b: place(b, role, opted_out, birth_year, school, year) for b in boards}


@dataclass(slots=True)
class Seen:
    """A member's counter rows as their last write left them (its RETURNING: points and
    placement per board), and the profile facts the write was made with."""

    facts: Facts
    rows: dict[str, tuple[int, str | None]]


@dataclass(slots=True)
class Moves:
    """What a transaction moved, per member: points per board, and whole re-placements;
    the rows as written, when every write of the member returned them (`seen`)."""

    points: dict[int, dict[str, int]] = field(default_factory=dict)
    touches: dict[int, dict[str, int]] = field(default_factory=dict)  # version bumps
    replace: set[int] = field(default_factory=set)
    seen: dict[int, Seen] = field(default_factory=dict)
    unseen: set[int] = field(default_factory=set)  # a write that returned nothing
    year: int = 0

    def saw(self, member_id: int, seen: Seen | None) -> None:
        if seen is None:
            self.unseen.add(member_id)
            return
        known = self.seen.get(member_id)
        if known is None:
            self.seen[member_id] = Seen(seen.facts, dict(seen.rows))
        else:  # a later write: its rows are the newer
            known.facts = seen.facts
            known.rows.update(seen.rows)

    def rows_of(self, member_id: int, boards: list[str]) -> list[tuple[Any, ...]] | None:
        """The member's rows on `boards` as written, or None when they must be read."""
        known = self.seen.get(member_id)
        if known is None or member_id in self.unseen or member_id in self.replace:
            return None
        if any(b not in known.rows for b in boards):
            return None
        return [(b, *known.rows[b], *known.facts) for b in boards]


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
    for member_id, touched in moves.touches.items():
        for board, n in touched.items():
            delta[(board, VERSION, "", 0, 0, member_id % STRIPES)] += n
    _apply(session, delta)
    for (board, member_id), placed in sorted(replaced.items()):
        _SET_PLACED.run(session, {"board": board, "member_id": member_id, "placed": placed})


def _rows(session: Session, member_id: int, boards: list[str] | None) -> list[tuple[Any, ...]]:
    if boards is None:
        return _MEMBER_ROWS.run(session, {"member_id": member_id})
    return _rows_stmt(len(boards)).run(
        session, {"member_id": member_id, **{f"b{i}": b for i, b in enumerate(boards)}}
    )


_COLUMNS = (
    "SELECT s.board, s.points, s.placed, m.role, m.leaderboard_opt_out, m.birth_year, "
    "m.school FROM board_score s JOIN member m ON m.id = s.member_id "
    "WHERE s.member_id = :member_id"
)
_MEMBER_ROWS = HotSql(_COLUMNS)
_SET_PLACED = HotSql(
    "UPDATE board_score SET placed = :placed WHERE board = :board AND member_id = :member_id"
)


@lru_cache(maxsize=16)
def _rows_stmt(n: int) -> HotSql:
    names = ", ".join(f":b{i}" for i in range(n))
    return HotSql(_COLUMNS + f" AND s.board IN ({names})")


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


@lru_cache(maxsize=64)
def _upsert(rows: int) -> HotSql:
    values = ", ".join(f"(:b{i}, :c{i}, :s{i}, :y{i}, :l{i}, :k{i}, :n{i})" for i in range(rows))
    return HotSql(
        "INSERT INTO board_rank (board, cls, school, cohort, lvl, key, n) VALUES "  # noqa: S608
        + values
        + " ON CONFLICT (board, cls, school, lvl, key, cohort) DO UPDATE "
        "SET n = board_rank.n + excluded.n"
    )


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Population:
    """Which members a count covers: classes, a school, and birth years (inclusive)."""

    classes: tuple[str, ...]
    school: str = ""
    birth_year_min: int | None = None
    birth_year_max: int | None = None
    year: int = 0  # the library-local year the board is asked in

    def weights(self) -> tuple[int, int, int, int] | None:
        """(weight of all-cohort rows, weight of cohort rows, cohort range); None when the
        range reaches birth years that are not counted by cohort (the caller scans)."""
        lo, hi = self.birth_year_min, self.birth_year_max
        # Cohorts from here on are whole: counted on every write since they were born.
        floor = (self.year or datetime.now(UTC).year) - COHORT_YEARS + 1
        if lo is None and hi is None:
            return 1, 0, 0, 0
        if lo is not None:
            if lo < floor:
                return None
            return 0, 1, lo, TOP if hi is None else hi
        assert hi is not None
        if hi + 1 < floor:
            return None
        return 1, -1, hi + 1, TOP


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
    branches = []
    for q in range(2):  # 0: above the member's points, 1: above zero (everyone ranked)
        for c in range(classes):
            for i in range(len(SHIFTS)):
                branches.append(
                    f"SELECT {q} AS q, cohort, n FROM board_rank WHERE board = :board "  # noqa: S608
                    f"AND cls = :c{c} AND school = :school AND lvl = :l{q}_{i} "
                    f"AND key > :lo{q}_{i} AND key < :hi{q}_{i}"
                )
    # Constant fragments only: one branch per class, question and level.
    return HotSql(
        "SELECT COALESCE(SUM(CASE WHEN q = 0 THEN w ELSE 0 END), 0), "  # noqa: S608
        "COALESCE(SUM(CASE WHEN q = 1 THEN w ELSE 0 END), 0) FROM (SELECT q, "
        "CASE WHEN cohort = 0 THEN :w0 * n "
        "WHEN cohort BETWEEN :ylo AND :yhi THEN :w1 * n ELSE 0 END AS w FROM ("
        + " UNION ALL ".join(branches)
        + ") AS cells) AS weighted"
    )


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


_VERSION = HotSql("SELECT COALESCE(SUM(n), 0) FROM board_rank WHERE board = :board AND cls = '#'")


def version(session: Session, board: str) -> int:
    """How many counter changes the board has had (what a Redis index must have seen)."""
    return int(_VERSION.run(session, {"board": board})[0][0])


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


# -- building from the counters ---------------------------------------------------------


_REFILL_DELETE = text(
    "DELETE FROM board_rank WHERE cls <> '#' AND (CAST(:lib AS INTEGER) IS NULL OR board IN ("
    "SELECT DISTINCT s.board FROM board_score s JOIN member m ON m.id = s.member_id "
    "WHERE m.library_id = :lib))"
)
_REFILL_PLACE = text(
    "UPDATE board_score SET placed = (SELECT CASE WHEN m.leaderboard_opt_out THEN NULL "
    "ELSE (CASE WHEN m.role = 'member' THEN 'm' ELSE 's' END) || '|' || "
    "CAST(CASE WHEN m.birth_year >= :floor THEN m.birth_year ELSE 0 END AS VARCHAR) || '|' || "
    "(CASE WHEN board_score.board LIKE 'lib:%' THEN COALESCE(m.school, '') ELSE '' END) END "
    "FROM member m WHERE m.id = board_score.member_id) "
    "WHERE CAST(:lib AS INTEGER) IS NULL OR member_id IN "
    "(SELECT id FROM member WHERE library_id = :lib)"
)
# One pass per kind of set (with the school or not, by birth year or not) and level.
_REFILL_COUNT = text(
    "INSERT INTO board_rank (board, cls, school, cohort, lvl, key, n) "
    "SELECT board, cls, school, cohort, :lvl, key, count(*) FROM (SELECT s.board AS board, "
    "CASE WHEN m.role = 'member' THEN 'm' ELSE 's' END AS cls, "
    "CASE WHEN CAST(:ws AS INTEGER) = 1 AND s.board LIKE 'lib:%' "
    "THEN COALESCE(m.school, '') ELSE '' END AS school, "
    "CASE WHEN :wc = 1 AND m.birth_year >= :floor THEN m.birth_year ELSE 0 END AS cohort, "
    "s.points / :div AS key FROM board_score s JOIN member m ON m.id = s.member_id "
    "WHERE s.points > 0 AND NOT m.leaderboard_opt_out "
    "AND (CAST(:lib AS INTEGER) IS NULL OR m.library_id = :lib)) AS placed "
    "WHERE (:ws = 0 OR school <> '') AND (:wc = 0 OR cohort <> 0) "
    "GROUP BY board, cls, school, cohort, key"
)


def refill(conn: Connection, year: int, library_id: int | None = None) -> None:
    """Place every counter (of one library, or all) and count them afresh.

    For the migration that introduces the counts, a recount from the ledger and a bulk
    load; versions are kept (they only ever grow).
    """
    params: dict[str, Any] = {"floor": year - COHORT_YEARS, "lib": library_id}
    conn.execute(_REFILL_DELETE, params)
    conn.execute(_REFILL_PLACE, params)
    for ws in (0, 1):
        for wc in (0, 1):
            for shift in SHIFTS:
                conn.execute(
                    _REFILL_COUNT, {**params, "ws": ws, "wc": wc, "lvl": shift, "div": 1 << shift}
                )
