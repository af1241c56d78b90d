"""A stand-in for live scoring: a member's counted logs kept as the database would keep them.

Its DayState is summed from the stored logs and their awards (as the service reads it), not
carried by count_log, so the tests check the engine against an independent bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import strategies as st

from app.scoring import (
    ACCEPTED,
    BONUS_STREAK,
    RULE_BOUNDS,
    Award,
    CountedLog,
    DayState,
    LogInput,
    Outcome,
    Rules,
    score_log,
    streak_bonus,
)

BASE_DAY = date(2024, 11, 1)


@dataclass(frozen=True)
class Entry:
    """A reading log as the member sends it."""

    read_on: date
    pages: int
    minutes: int
    finished: bool
    book_id: int
    multiplier: int


@dataclass
class Member:
    rules: Rules
    # (log id, entry, awards) in the order the logs were counted
    counted: list[tuple[int, Entry, tuple[Award, ...]]] = field(default_factory=list)

    def day_state(self, read_on: date) -> DayState:
        logs = [(entry, awards) for _, entry, awards in self.counted if entry.read_on == read_on]
        days = {entry.read_on for _, entry, _ in self.counted}
        # the minute-only logs above x1
        boosted = [e for e, _ in logs if e.pages == 0 and e.minutes and e.multiplier > 1]
        streak = 0
        while read_on - timedelta(days=streak + 1) in days:
            streak += 1
        return DayState(
            pages=sum(e.pages for e, _ in logs),
            minutes=sum(e.minutes for e, _ in logs),
            loose_minutes=sum(e.minutes for e, _ in logs if e.pages == 0),
            boosted_minutes=sum(e.minutes for e in boosted),
            boosted_multiplier=max((e.multiplier for e in boosted), default=0),
            points=sum(a.amount for _, awards in logs for a in awards),
            logs=len(logs),
            streak_before=streak,
        )

    def log_input(self, entry: Entry) -> LogInput:
        finished_books = {e.book_id for _, e, _ in self.counted if e.finished}
        return LogInput(
            pages=entry.pages,
            minutes=entry.minutes,
            first_finish=entry.finished and entry.book_id not in finished_books,
            multiplier=entry.multiplier,
        )

    def score(self, log_id: int, entry: Entry, *, reviewed: bool = False) -> Outcome:
        """Score as the service does; an accepted (or approved) log is stored as counted,
        and a day counted before the days after it pays their longer streaks."""
        day = self.day_state(entry.read_on)
        outcome = score_log(self.log_input(entry), day, self.rules, reviewed=reviewed)
        if outcome.status == ACCEPTED:
            self.counted.append((log_id, entry, outcome.awards))
            if day.logs == 0:
                self._settle_streaks()
        return outcome

    def _settle_streaks(self) -> None:
        """Every day's first counted log holds the bonus of the streak ending on that day
        over every counted day (checked for all days, not only those after the new one)."""
        days = {e.read_on for _, e, _ in self.counted}
        firsts: dict[date, int] = {}
        for i, (_, e, _) in enumerate(self.counted):
            firsts.setdefault(e.read_on, i)
        for read_on, i in firsts.items():
            run = 1
            while read_on - timedelta(days=run) in days:
                run += 1
            want = streak_bonus(run, self.rules)
            log_id, e, awards = self.counted[i]
            have = sum(a.amount for a in awards if a.rule_code == BONUS_STREAK)
            if want != have:
                kept = tuple(a for a in awards if a.rule_code != BONUS_STREAK)
                streak = (Award(BONUS_STREAK, want),) if want else ()
                self.counted[i] = (log_id, e, kept + streak)

    def counted_logs(self) -> list[CountedLog]:
        return [
            CountedLog(
                log_id=log_id,
                read_on=e.read_on,
                pages=e.pages,
                minutes=e.minutes,
                finished=e.finished,
                book_id=e.book_id,
                multiplier=e.multiplier,
            )
            for log_id, e, _ in self.counted
        ]

    def total(self) -> int:
        return sum(a.amount for _, _, awards in self.counted for a in awards)


def _bounded(name: str, low: int, high: int) -> st.SearchStrategy[int]:
    # small ranges so the caps are hit often, always inside RULE_BOUNDS
    lo, hi = RULE_BOUNDS[name]
    return st.integers(max(lo, low), min(hi, high))


rules_strategy: st.SearchStrategy[Rules] = st.one_of(
    st.just(Rules()),
    st.builds(
        Rules,
        points_per_page=_bounded("points_per_page", 0, 5),
        minutes_per_point=_bounded("minutes_per_point", 1, 7),
        finished_book_bonus=_bounded("finished_book_bonus", 0, 60),
        streak_min_days=_bounded("streak_min_days", 1, 4),
        streak_bonus_per_day=_bounded("streak_bonus_per_day", 0, 20),
        streak_bonus_max=_bounded("streak_bonus_max", 0, 60),
        challenge_multiplier=_bounded("challenge_multiplier", 1, 3),
        daily_cap_pages=_bounded("daily_cap_pages", 1, 700),
        daily_cap_minutes=_bounded("daily_cap_minutes", 1, 700),
        daily_cap_points=_bounded("daily_cap_points", 1, 1500),
        max_pages_per_minute=_bounded("max_pages_per_minute", 1, 5),
    ),
)


def entries(
    *,
    days: int = 1,
    books: int = 3,
    max_pages: int = 400,
    max_minutes: int = 400,
    multipliers: tuple[int, ...] = (1, 2),
) -> st.SearchStrategy[Entry]:
    """Logs with pages and/or minutes (never neither), on one of `days` consecutive days."""
    amount = st.one_of(st.just(0), st.integers(1, 40), st.integers(0, max(max_pages, 1)))
    return st.builds(
        Entry,
        read_on=st.integers(0, days - 1).map(lambda n: BASE_DAY + timedelta(days=n)),
        pages=amount.map(lambda n: min(n, max_pages)),
        minutes=amount.map(lambda n: min(n, max_minutes)),
        finished=st.booleans(),
        book_id=st.integers(0, books - 1),
        multiplier=st.sampled_from(multipliers),
    ).map(lambda e: e if e.pages or e.minutes else Entry(e.read_on, 0, 1, *_tail(e)))


def _tail(e: Entry) -> tuple[bool, int, int]:
    return e.finished, e.book_id, e.multiplier
