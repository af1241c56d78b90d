"""Board keys and the library-local periods they cover.

A board is named by a short string: `lib:{library_id}:all`, `lib:{library_id}:w:{monday}`
(weeks start on Monday), `lib:{library_id}:m:{yyyy-mm}`, `ch:{challenge_id}`. Points count
on the boards of the local day they belong to (the ledger row's `day`), so a log read on
Sunday evening in Palu counts for that week even when it is booked on Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.models.member import KIDS_MAX_AGE, TEENS_MAX_AGE
from app.services.stats import period_bounds

# How long after its period a week or month board can still move: `read_on` may lie up
# to 30 days back (the library setting's bound), and a day's slack for time zones.
LATE_DAYS = 31


def library_board(library_id: int, period: str, day: date) -> str:
    if period == "week":
        return f"lib:{library_id}:w:{week_start(day).isoformat()}"
    if period == "month":
        return f"lib:{library_id}:m:{day:%Y-%m}"
    return f"lib:{library_id}:all"


def challenge_board(challenge_id: int) -> str:
    return f"ch:{challenge_id}"


def day_boards(library_id: int, day: date) -> tuple[str, str, str]:
    """The library boards a point dated `day` counts on."""
    return (
        library_board(library_id, "all_time", day),
        library_board(library_id, "week", day),
        library_board(library_id, "month", day),
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def bounds(period: str, today: date) -> tuple[date | None, date | None]:
    """First and last local day of the current period; (None, None) for all time."""
    if period == "all_time":
        return None, None
    return period_bounds(period, today)


@dataclass(frozen=True, slots=True)
class BoardInfo:
    """What a board key says: its library (None for a challenge) and when it stops moving."""

    library_id: int | None
    challenge_id: int | None
    last_day: date | None  # the period's last local day; None for boards without an end


def parse(board: str) -> BoardInfo | None:
    """Read a board key back; None for anything not made by this module."""
    parts = board.split(":")
    try:
        if parts[0] == "ch" and len(parts) == 2:
            return BoardInfo(None, int(parts[1]), None)
        if parts[0] == "lib" and len(parts) == 3 and parts[2] == "all":
            return BoardInfo(int(parts[1]), None, None)
        if parts[0] == "lib" and len(parts) == 4 and parts[2] == "w":
            return BoardInfo(int(parts[1]), None, date.fromisoformat(parts[3]) + timedelta(6))
        if parts[0] == "lib" and len(parts) == 4 and parts[2] == "m":
            first = date.fromisoformat(parts[3] + "-01")
            return BoardInfo(int(parts[1]), None, period_bounds("month", first)[1])
    except ValueError:
        return None
    return None


def is_live(board: str, today: date) -> bool:
    """Whether a board can still be asked for or moved (past weeks and months cannot)."""
    info = parse(board)
    if info is None:
        return False
    return info.last_day is None or info.last_day >= today - timedelta(days=LATE_DAYS)


def birth_years(age_group: str, year: int) -> tuple[int | None, int | None]:
    """The birth years (inclusive; None = unbounded) of an age group in a local year."""
    if age_group == "kids":
        return year - KIDS_MAX_AGE, None
    if age_group == "teens":
        return year - TEENS_MAX_AGE, year - KIDS_MAX_AGE - 1
    return None, year - TEENS_MAX_AGE - 1
