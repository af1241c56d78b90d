"""Reading streaks: consecutive local days with a counted log, and the bonus they earn."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from app.scoring.rules import Rules

_ONE_DAY = timedelta(days=1)


def streak_bonus(streak_days: int, rules: Rules) -> int:
    """Bonus for the day that makes a streak `streak_days` long: +5 on day 3, +10 on day 4, ...

    Capped at `streak_bonus_max` a day (with the defaults, +50 from day 12 on).
    """
    if streak_days < rules.streak_min_days:
        return 0
    steps = streak_days - rules.streak_min_days + 1
    return min(rules.streak_bonus_per_day * steps, rules.streak_bonus_max)


def streak_before(days: Collection[date], read_on: date) -> int:
    """Consecutive days in `days` ending the day before `read_on` (0 if that day is missing)."""
    day_set = days if isinstance(days, set | frozenset) else frozenset(days)
    count = 0
    day = read_on - _ONE_DAY
    while day in day_set:
        count += 1
        day -= _ONE_DAY
    return count


def streaks(days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, longest) streak over the days with counted logs.

    The current streak ends today, or yesterday when today has no log yet: a streak is
    still alive until the local day is over. Days after `today` never extend it.
    """
    day_set = frozenset(days)
    if today in day_set:
        current = streak_before(day_set, today) + 1
    elif today - _ONE_DAY in day_set:
        current = streak_before(day_set, today)
    else:
        current = 0

    longest = 0
    run = 0
    previous: date | None = None
    for day in sorted(day_set):
        run = run + 1 if previous is not None and day - previous == _ONE_DAY else 1
        longest = max(longest, run)
        previous = day
    return current, longest


def streak_changes(days: Collection[date], new_day: date, rules: Rules) -> list[tuple[date, int]]:
    """How the streak bonuses of the days after `new_day` move once it counts.

    `days` are the days with counted logs before `new_day` is among them. A day's bonus
    is that of the streak ending on it over every counted day, whatever order the logs
    came in: back-filling a day lengthens the run of days right after it. Returns
    (day, bonus change) for each day of that run whose bonus changes, in date order.
    """
    day_set = frozenset(days)
    if new_day in day_set:
        return []
    before = streak_before(day_set, new_day)
    out: list[tuple[date, int]] = []
    day, run = new_day + _ONE_DAY, 1
    while day in day_set:
        # the streak ending on `day` was `run` days long; now `new_day` and its streak join
        change = streak_bonus(before + 1 + run, rules) - streak_bonus(run, rules)
        if change:
            out.append((day, change))
        day, run = day + _ONE_DAY, run + 1
    return out
