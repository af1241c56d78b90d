"""Rebuilds a member's log awards from their counted logs, for the `rescore` command.

Walks the logs exactly as live scoring met them, so the rebuilt ledger matches it row for row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.scoring.engine import Award, DayState, LogInput, count_log, score_log
from app.scoring.rules import Rules
from app.scoring.streaks import streak_before


@dataclass(frozen=True, slots=True)
class CountedLog:
    """A log that counts: accepted, or approved by staff, and not deleted."""

    log_id: int
    read_on: date  # the library's local date the member read on
    pages: int
    minutes: int
    finished: bool
    book_id: int
    multiplier: int  # as decided when the log was made


def replay(logs: Sequence[CountedLog], rules: Rules) -> dict[int, tuple[Award, ...]]:
    """Awards per log id, scoring `logs` in the order they were counted.

    That order is `logged_at` for accepted logs and `reviewed_at` for approved ones: a log
    counts (and claims the day's streak bonus, a book's first finish, the next minute point)
    when it is counted, not when it was read. The amounts do not depend on the order: a
    day's streak bonus is that of its streak over every counted day (see `streak_changes`).
    """
    states: dict[date, DayState] = {}
    # A day's streak bonus is that of the streak ending on it over every counted day,
    # whatever order they came in (live scoring pays back-filled streaks as they come).
    days = frozenset(counted.read_on for counted in logs)
    finished_books: set[int] = set()
    awards: dict[int, tuple[Award, ...]] = {}
    for counted in logs:
        if counted.log_id in awards:
            raise ValueError(f"log {counted.log_id} appears twice")
        day = states.get(counted.read_on)
        if day is None:
            # the day's first counted log carries the day's streak bonus
            day = DayState(streak_before=streak_before(days, counted.read_on))
        log = LogInput(
            pages=counted.pages,
            minutes=counted.minutes,
            first_finish=counted.finished and counted.book_id not in finished_books,
            multiplier=counted.multiplier,
        )
        outcome = score_log(log, day, rules, reviewed=True)
        states[counted.read_on] = count_log(day, log, outcome)
        if counted.finished:
            finished_books.add(counted.book_id)
        awards[counted.log_id] = outcome.awards
    return awards


def reconcile(
    booked: Mapping[int, Iterable[Award]], expected: Mapping[int, Sequence[Award]]
) -> dict[int, tuple[Award, ...]]:
    """Compensating rows, per log id, that bring the booked log awards to the expected ones.

    `booked` holds every ledger row already written per log (originals and earlier
    compensations); `expected` is typically `replay` of the logs that count now. Deleting a
    log changes what later logs earn (the day's streak bonus and leftover minute, a book's
    first finish, the next days' streaks), so the service replays and books the difference
    instead of updating rows. Logs absent from `expected` are brought to zero. Rows with a
    zero difference are omitted, and logs needing none are left out.
    """
    rows: dict[int, tuple[Award, ...]] = {}
    for log_id in [*expected, *(i for i in booked if i not in expected)]:
        have: dict[str, int] = {}
        for award in booked.get(log_id, ()):
            have[award.rule_code] = have.get(award.rule_code, 0) + award.amount
        want: dict[str, int] = {}
        for award in expected.get(log_id, ()):
            want[award.rule_code] = want.get(award.rule_code, 0) + award.amount
        # the engine's order first, then codes only the ledger has, for stable output
        codes = [*want, *sorted(c for c in have if c not in want)]
        deltas = tuple(
            Award(code, want.get(code, 0) - have.get(code, 0))
            for code in codes
            if want.get(code, 0) != have.get(code, 0)
        )
        if deltas:
            rows[log_id] = deltas
    return rows
