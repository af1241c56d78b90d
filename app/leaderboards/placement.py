"""Where a member's points are counted by rank, worked out in memory (no database).

The scheme `app.leaderboards.ranks` keeps in the database: the count levels and the
classes of rows; where a member's counter on a board is counted (`place`: their class,
school and birth year, encoded on the counter row as `placed`) and the count cells a
score adds to there (`cells`); what a transaction collects of its counter moves
(`Moves`, with the rows its writes returned, `Seen`); and which members a rank question
covers (`Population`, weighed by birth year).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SHIFTS = (0, 5, 10, 15)
WIDTH = 32  # 1 << 5: keys per block between two levels
STRIPES = 16  # rows a board's version is spread over
VERSION = "#"  # the class of the version rows: one per counter move (what Redis counts)
LISTING = "~"  # the class of the rows moved when who or how a board lists changes
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


# -- collecting -------------------------------------------------------------------------


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


# -- asking -----------------------------------------------------------------------------


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
