"""Badge and challenge goals: progress towards them, and whether the caps let anyone reach them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from app.scoring.rules import Rules

METRICS: Final[tuple[str, ...]] = (
    "books_finished",
    "pages",
    "minutes",
    "streak_days",
    "genres",
    "logs",
    "challenges_completed",
    "shares",
    "events_attended",
)
PERIODS: Final[tuple[str, ...]] = ("all_time", "month", "week", "day")
# The most local days a period can hold; all_time has no end.
PERIOD_DAYS: Final[dict[str, int | None]] = {"all_time": None, "month": 31, "week": 7, "day": 1}
CHALLENGE_GOALS: Final[dict[str, str]] = {
    "books": "books_finished",
    "pages": "pages",
    "minutes": "minutes",
    "reviews": "reviews",  # approved reviews: no daily cap, as each needs a finished book
}

Language = Literal["id", "en"]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One condition of a badge: reach `target` of `metric` within one `period`."""

    metric: str
    target: int
    period: str = "all_time"


@dataclass(frozen=True, slots=True)
class Stats:
    """A member's totals over one period, one field per metric."""

    books_finished: int = 0
    pages: int = 0
    minutes: int = 0
    streak_days: int = 0  # the longest streak within the period
    genres: int = 0  # distinct genres
    logs: int = 0
    challenges_completed: int = 0
    shares: int = 0
    events_attended: int = 0

    def value(self, metric: str) -> int:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        result: int = getattr(self, metric)
        return result


@dataclass(frozen=True, slots=True)
class CriterionProgress:
    metric: str
    target: int
    period: str
    current: int  # capped at target, so "12 of 10" never shows
    met: bool


def progress(
    criteria: Sequence[Criterion], stats_by_period: Mapping[str, Stats]
) -> list[CriterionProgress]:
    """Progress on each criterion; the badge is earned when every one is met (see all_met)."""
    result: list[CriterionProgress] = []
    for criterion in criteria:
        if criterion.period not in PERIODS:
            raise ValueError(f"unknown period {criterion.period!r}")
        stats = stats_by_period.get(criterion.period)
        if stats is None:
            raise ValueError(f"no stats given for period {criterion.period!r}")
        value = stats.value(criterion.metric)
        result.append(
            CriterionProgress(
                metric=criterion.metric,
                target=criterion.target,
                period=criterion.period,
                current=max(0, min(value, criterion.target)),
                met=value >= criterion.target,
            )
        )
    return result


def all_met(progresses: Sequence[CriterionProgress]) -> bool:
    """Whether the badge is earned; a badge without criteria never is."""
    return bool(progresses) and all(p.met for p in progresses)


@dataclass(frozen=True, slots=True)
class _Limit:
    per_day: int
    why: str  # the rule that sets per_day, e.g. "the daily cap of 500 pages"
    direct: bool  # why names per_day itself, so "more than {why}" reads right


def _daily_limit(metric: str, rules: Rules) -> _Limit | None:
    # Upper bounds without the challenge multiplier: a refused goal must be out of reach for
    # every member, and a log outside a challenge (x1) is the one that fits most under the
    # points cap. Bonuses are left out for the same reason: a member may have no streak.
    cap_points = rules.daily_cap_points
    if metric == "pages":
        ppp = rules.points_per_page
        if ppp > 0 and cap_points // ppp < rules.daily_cap_pages:
            return _Limit(
                cap_points // ppp,
                f"the daily cap of {cap_points} points at {ppp} points a page",
                direct=False,
            )
        return _Limit(
            rules.daily_cap_pages, f"the daily cap of {rules.daily_cap_pages} pages", direct=True
        )
    if metric == "minutes":
        # A log of 1 page and many minutes earns only the page's points, so only the
        # minutes cap binds, unless one page alone is over the points cap.
        if rules.points_per_page <= cap_points:
            return _Limit(
                rules.daily_cap_minutes,
                f"the daily cap of {rules.daily_cap_minutes} minutes",
                direct=True,
            )
        mpp = rules.minutes_per_point
        by_points = (cap_points + 1) * mpp - 1  # the most minutes worth cap_points points
        if by_points < rules.daily_cap_minutes:
            return _Limit(
                by_points,
                f"the daily cap of {cap_points} points at 1 point per {mpp} minutes",
                direct=False,
            )
        return _Limit(
            rules.daily_cap_minutes,
            f"the daily cap of {rules.daily_cap_minutes} minutes",
            direct=True,
        )
    if metric == "books_finished":
        bonus = rules.finished_book_bonus
        if bonus <= 0:
            return None
        return _Limit(
            cap_points // bonus,
            f"the daily cap of {cap_points} points at {bonus} bonus points a finished book",
            direct=False,
        )
    if metric == "streak_days":
        return _Limit(1, "one day a day", direct=True)
    # logs, genres, challenges, shares and events have no daily cap
    return None


def max_per_day(metric: str, rules: Rules) -> int | None:
    """The most of `metric` a member can gain in one local day with auto-accepted logs.

    None when nothing caps it. Staff approval can go beyond; reachability ignores that.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    limit = _daily_limit(metric, rules)
    return None if limit is None else limit.per_day


_REASON_UNITS: Final[dict[str, str]] = {
    "books_finished": "finished books",
    "pages": "pages",
    "minutes": "minutes",
    "streak_days": "streak days",
}


def unreachable_reason(criterion: Criterion, rules: Rules) -> str | None:
    """Why no member could ever meet `criterion` under `rules`, or None if one could."""
    metric, target, period = criterion.metric, criterion.target, criterion.period
    if metric not in METRICS:
        return f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}"
    if period not in PERIODS:
        return f"unknown period {period!r}; expected one of {', '.join(PERIODS)}"
    if target < 1:
        return "target must be at least 1"
    days = PERIOD_DAYS[period]
    if metric == "streak_days":
        if days is not None and target > days:
            return f"a streak of {target} days cannot fit in one {period} ({days} days at most)"
        return None
    limit = _daily_limit(metric, rules)
    if limit is None:
        return None
    unit = _REASON_UNITS[metric]
    if limit.per_day == 0:
        return f"no {unit} can be auto-accepted on any day under {limit.why}"
    if days is None or limit.per_day * days >= target:
        return None
    if days == 1:
        if limit.direct:
            return f"{target} {unit} in one day is more than {limit.why}"
        return (
            f"{target} {unit} in one day is more than the {limit.per_day} {unit} "
            f"a day allowed by {limit.why}"
        )
    return (
        f"{target} {unit} in one {period} is more than the {limit.per_day * days} {unit} "
        f"a member can reach in {days} days under {limit.why}"
    )


def badge_unreachable_reason(criteria: Sequence[Criterion], rules: Rules) -> str | None:
    """Why a badge with these criteria could never be earned, or None."""
    if not criteria:
        return "a badge needs at least one criterion"
    for criterion in criteria:
        reason = unreachable_reason(criterion, rules)
        if reason is not None:
            return reason
    return None


def challenge_unreachable_reason(
    goal: str, target: int, window_days: int, rules: Rules
) -> str | None:
    """Why no member could reach a challenge goal within its window, or None."""
    metric = CHALLENGE_GOALS.get(goal)
    if metric is None:
        return f"unknown goal {goal!r}; expected one of {', '.join(CHALLENGE_GOALS)}"
    if target < 1:
        return "target must be at least 1"
    if window_days < 1:
        return "the challenge must last at least one day"
    limit = _daily_limit(metric, rules)
    if limit is None:
        return None
    unit = _REASON_UNITS[metric]
    if limit.per_day == 0:
        return f"no {unit} can be auto-accepted on any day under {limit.why}"
    reachable = limit.per_day * window_days
    if reachable >= target:
        return None
    span = "1 day" if window_days == 1 else f"{window_days} days"
    return (
        f"{target} {unit} in {span} is more than the {reachable} {unit} "
        f"a member can reach in {span} under {limit.why}"
    )


# (English singular, English plural, Indonesian); Indonesian nouns do not inflect.
_LABEL_UNITS: Final[dict[str, tuple[str, str, str]]] = {
    "books_finished": ("book", "books", "buku"),
    "pages": ("page", "pages", "halaman"),
    "minutes": ("minute", "minutes", "menit"),
    "streak_days": ("day in a row", "days in a row", "hari berturut-turut"),
    "genres": ("genre", "genres", "genre"),
    "logs": ("reading log", "reading logs", "catatan baca"),
    "challenges_completed": ("challenge completed", "challenges completed", "tantangan selesai"),
    "shares": ("share", "shares", "kali berbagi"),
    "events_attended": ("event attended", "events attended", "acara dihadiri"),
    "reviews": ("approved review", "approved reviews", "ulasan disetujui"),
}


def progress_label(metric: str, current: int, target: int, language: Language = "id") -> str:
    """'7 of 10 books' / '7 dari 10 buku', for a locked badge's progress."""
    units = _LABEL_UNITS.get(metric)
    if units is None:
        raise ValueError(f"unknown metric {metric!r}")
    singular, plural, indonesian = units
    if language == "en":
        return f"{current:,} of {target:,} {singular if target == 1 else plural}"
    if language == "id":
        # Indonesian groups thousands with a dot: 1.000 halaman
        return f"{current:,} dari {target:,} {indonesian}".replace(",", ".")
    raise ValueError(f"unknown language {language!r}")
