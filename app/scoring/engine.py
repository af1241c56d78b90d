"""Scores one reading log against the member's counted logs of that local day.

Pure: the caller reads the day's state (from the database when live, from earlier logs when
replaying) and gets the awards and the status back, so live scoring and `rescore` agree.

Minute points telescope per multiplier class: the minutes of minute-only logs at x1 and
those inside a joined challenge (multiplier above 1) each turn into points on their own.
The x1 class makes floor(minutes / minutes_per_point) points; the class above x1 makes
floor(minutes / minutes_per_point) times the highest multiplier among its logs, so neither
the order of a day's logs nor their mix changes the day's points, even when a log
back-dated across a change of the library's challenge multiplier brings a second
multiplier to the day. Each log earns what the day's class total gains by it. A day keeps
its loose minutes in total and, of them, those above x1 with their highest multiplier
(`member_day.boosted_minutes`, `boosted_multiplier`): two integer columns the log's
counting moves in one upsert. The minutes keep the multiplier they were logged at, so a
later change of the library's challenge multiplier does not reinterpret a day already
counted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Final, Literal

from app.scoring.rules import (
    BONUS_CODES,
    BONUS_FINISHED,
    BONUS_STREAK,
    READING_CODES,
    READING_MINUTES,
    READING_PAGES,
    Rules,
)
from app.scoring.streaks import streak_bonus

Status = Literal["accepted", "pending_review"]
ACCEPTED: Final = "accepted"
PENDING_REVIEW: Final = "pending_review"

# Machine codes for why a log waits for staff, in the order they are reported.
REASON_DAILY_CAP_PAGES: Final = "daily_cap_pages"
REASON_DAILY_CAP_MINUTES: Final = "daily_cap_minutes"
REASON_DAILY_CAP_POINTS: Final = "daily_cap_points"
REASON_TOO_FAST: Final = "too_fast"
REASON_BEYOND_BOOK: Final = "beyond_book_pages"


@dataclass(frozen=True, slots=True)
class LogInput:
    """The part of a reading log that scoring needs."""

    pages: int  # 0 when the log has no pages
    minutes: int  # 0 when the log has no minutes
    # finished=True and the member has no earlier counted finished log of this book
    first_finish: bool
    # decided by the caller at log time: 1, or rules.challenge_multiplier inside a joined
    # challenge's window
    multiplier: int = 1
    # the book's pages not yet logged by the member since they last finished it (their
    # earlier logs of it counted); None when the book's page count is unknown
    book_pages_left: int | None = None

    def __post_init__(self) -> None:
        if self.pages < 0 or self.minutes < 0:
            raise ValueError("pages and minutes cannot be negative")
        if self.multiplier < 1:
            raise ValueError("multiplier must be at least 1")


@dataclass(frozen=True, slots=True)
class DayState:
    """The member's counted logs (accepted or approved, not deleted) of one local day so far."""

    pages: int = 0
    minutes: int = 0
    # minutes of counted logs with minutes but no pages: minute points convert per day, so a
    # leftover minute of one log is not lost when the next one arrives
    loose_minutes: int = 0
    # of loose_minutes, those of logs at a multiplier above 1, which convert on their own
    boosted_minutes: int = 0
    boosted_multiplier: int = 0  # the highest multiplier among them; 0 while none
    points: int = 0  # reading + finished + streak points of those logs
    logs: int = 0
    # consecutive local days with counted logs ending the day before this one
    streak_before: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):  # every figure of a day is a count
            if getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} cannot be negative")
        if self.loose_minutes > self.minutes:
            raise ValueError("loose_minutes cannot exceed minutes")
        if self.boosted_minutes > self.loose_minutes:
            raise ValueError("boosted_minutes cannot exceed loose_minutes")
        if self.boosted_multiplier == 1 or (self.boosted_minutes > 0) != (
            self.boosted_multiplier > 1
        ):
            raise ValueError("boosted_multiplier is above 1 exactly when boosted_minutes are")


@dataclass(frozen=True, slots=True)
class Award:
    """One ledger row a log earns."""

    rule_code: str
    amount: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a log earns and whether it counts now or waits for staff."""

    status: Status
    reasons: tuple[str, ...]  # empty when accepted
    # what the log earns; for a pending log what it would earn if approved now (a preview:
    # approval rescores it against the day as it is then)
    awards: tuple[Award, ...]

    @property
    def points(self) -> int:
        return sum(a.amount for a in self.awards)

    @property
    def reading_points(self) -> int:
        return sum(a.amount for a in self.awards if a.rule_code in READING_CODES)

    @property
    def bonus_points(self) -> int:
        return sum(a.amount for a in self.awards if a.rule_code in BONUS_CODES)


def score_log(log: LogInput, day: DayState, rules: Rules, *, reviewed: bool = False) -> Outcome:
    """Score `log` given the counted logs of its local day before it.

    `reviewed=True` (staff approved it, or its status is already decided, as in `rescore`)
    skips the plausibility checks. The awards never depend on the status.
    """
    amounts = (
        (READING_PAGES, log.pages * rules.points_per_page * log.multiplier),
        (READING_MINUTES, _minute_points(log, day, rules)),
        (BONUS_FINISHED, rules.finished_book_bonus if log.first_finish else 0),
        # only the day's first counted log carries the day's streak bonus
        (BONUS_STREAK, streak_bonus(day.streak_before + 1, rules) if day.logs == 0 else 0),
    )
    awards = tuple(Award(code, amount) for code, amount in amounts if amount != 0)
    if reviewed:
        return Outcome(ACCEPTED, (), awards)

    points = sum(a.amount for a in awards)
    reasons: list[str] = []
    if day.pages + log.pages > rules.daily_cap_pages:
        reasons.append(REASON_DAILY_CAP_PAGES)
    if day.minutes + log.minutes > rules.daily_cap_minutes:
        reasons.append(REASON_DAILY_CAP_MINUTES)
    if day.points + points > rules.daily_cap_points:
        reasons.append(REASON_DAILY_CAP_POINTS)
    if log.pages > 0 and log.minutes > 0 and log.pages > rules.max_pages_per_minute * log.minutes:
        reasons.append(REASON_TOO_FAST)
    if log.book_pages_left is not None and log.pages > log.book_pages_left:
        reasons.append(REASON_BEYOND_BOOK)
    return Outcome(PENDING_REVIEW if reasons else ACCEPTED, tuple(reasons), awards)


def count_log(day: DayState, log: LogInput, outcome: Outcome) -> DayState:
    """The day's state once `log` (scored as `outcome` against `day`) counts."""
    if outcome.status != ACCEPTED:
        # a pending log counts only once approved, and approval rescores it
        raise ValueError("only an accepted outcome can be counted")
    loose, boosted, multiplier = loose_minutes_of(log.pages, log.minutes, log.multiplier)
    return DayState(
        pages=day.pages + log.pages,
        minutes=day.minutes + log.minutes,
        loose_minutes=day.loose_minutes + loose,
        boosted_minutes=day.boosted_minutes + boosted,
        boosted_multiplier=max(day.boosted_multiplier, multiplier),
        points=day.points + outcome.points,
        logs=day.logs + 1,
        streak_before=day.streak_before,
    )


def loose_minutes_of(pages: int, minutes: int, multiplier: int) -> tuple[int, int, int]:
    """What a counted log adds to its day's loose minutes: (loose minutes, of them those
    above x1, their multiplier or 0), as `DayState` and `member_day` keep them."""
    loose = minutes if pages == 0 else 0
    boosted = loose if multiplier > 1 else 0
    return loose, boosted, multiplier if boosted else 0


def read_on_allowed(read_on: date, today: date, rules: Rules) -> str | None:
    """None if a log may be dated `read_on` (a local date) today, else why not."""
    if read_on > today:
        return f"read_on {read_on.isoformat()} is in the future (today is {today.isoformat()})"
    days_back = (today - read_on).days
    if days_back > rules.backdate_days:
        if rules.backdate_days == 0:
            return (
                f"read_on must be today ({today.isoformat()}); this library allows no back-dating"
            )
        return (
            f"read_on {read_on.isoformat()} is {days_back} days before today; "
            f"this library allows at most {rules.backdate_days} days back"
        )
    return None


def _minute_points(log: LogInput, day: DayState, rules: Rules) -> int:
    # Telescoping over the day's loose minutes of the log's class (x1, or above x1): the
    # class's minute points are always floor(its loose minutes / minutes_per_point) times
    # its multiplier (1, or the highest above 1), whatever the split into logs and
    # whatever the other class's logs do; a log earns what its class gains by it.
    if log.pages > 0 or log.minutes == 0:
        return 0
    per = rules.minutes_per_point
    if log.multiplier == 1:
        before = day.loose_minutes - day.boosted_minutes
        return (before + log.minutes) // per - before // per
    before, multiplier = day.boosted_minutes, day.boosted_multiplier
    after = max(multiplier, log.multiplier)
    return (before + log.minutes) // per * after - before // per * multiplier
