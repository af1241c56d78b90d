"""Badge progress, and refusing badges and challenges that no member could reach."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import (
    ACCEPTED,
    METRICS,
    PENDING_REVIEW,
    PERIOD_DAYS,
    PERIODS,
    Criterion,
    CriterionProgress,
    DayState,
    LogInput,
    Rules,
    Stats,
    all_met,
    badge_unreachable_reason,
    challenge_unreachable_reason,
    max_per_day,
    progress,
    progress_label,
    score_log,
    unreachable_reason,
)

from .simulate import rules_strategy

RULES = Rules()


def test_progress_caps_current_at_the_target() -> None:
    stats = {"all_time": Stats(books_finished=7, pages=1200), "week": Stats(pages=80)}
    result = progress(
        [
            Criterion("books_finished", 10),
            Criterion("pages", 1000),
            Criterion("pages", 100, "week"),
        ],
        stats,
    )
    assert result == [
        CriterionProgress("books_finished", 10, "all_time", 7, met=False),
        CriterionProgress("pages", 1000, "all_time", 1000, met=True),
        CriterionProgress("pages", 100, "week", 80, met=False),
    ]
    assert not all_met(result)


def test_a_badge_is_earned_when_every_criterion_is_met() -> None:
    stats = {"all_time": Stats(streak_days=7, genres=3), "month": Stats(shares=1)}
    criteria = [
        Criterion("streak_days", 7),
        Criterion("genres", 3),
        Criterion("shares", 1, "month"),
    ]
    assert all_met(progress(criteria, stats))
    assert not all_met(progress(criteria, {**stats, "month": Stats()}))
    assert not all_met([])


def test_progress_needs_the_periods_stats() -> None:
    with pytest.raises(ValueError, match="week"):
        progress([Criterion("pages", 10, "week")], {"all_time": Stats()})
    with pytest.raises(ValueError, match="unknown metric"):
        progress([Criterion("likes", 10)], {"all_time": Stats()})


def test_every_metric_is_a_stat() -> None:
    stats = Stats(*range(1, len(METRICS) + 1))
    assert [stats.value(m) for m in METRICS] == list(range(1, len(METRICS) + 1))


def test_max_per_day_with_the_defaults() -> None:
    assert {m: max_per_day(m, RULES) for m in METRICS} == {
        "books_finished": 50,
        "pages": 500,
        "minutes": 600,
        "streak_days": 1,
        "genres": None,
        "logs": None,
        "challenges_completed": None,
        "shares": None,
        "events_attended": None,
    }


def test_max_per_day_follows_the_points_cap() -> None:
    assert max_per_day("pages", Rules(points_per_page=5)) == 200
    assert max_per_day("pages", Rules(points_per_page=0)) == 500
    assert max_per_day("books_finished", Rules(finished_book_bonus=0)) is None
    assert max_per_day("books_finished", Rules(finished_book_bonus=30, daily_cap_points=100)) == 3
    # one page alone is over the points cap: only loose minutes count, 1 point per 2 minutes
    assert max_per_day("minutes", Rules(points_per_page=20, daily_cap_points=10)) == 21


@pytest.mark.parametrize(
    ("criterion", "reachable"),
    [
        (Criterion("pages", 500, "day"), True),
        (Criterion("pages", 501, "day"), False),
        (Criterion("pages", 3500, "week"), True),
        (Criterion("pages", 3501, "week"), False),
        (Criterion("pages", 15500, "month"), True),
        (Criterion("pages", 15501, "month"), False),
        (Criterion("pages", 10**9, "all_time"), True),
        (Criterion("minutes", 601, "day"), False),
        (Criterion("books_finished", 50, "day"), True),
        (Criterion("books_finished", 51, "day"), False),
        (Criterion("streak_days", 7, "week"), True),
        (Criterion("streak_days", 8, "week"), False),
        (Criterion("streak_days", 31, "month"), True),
        (Criterion("streak_days", 2, "day"), False),
        (Criterion("streak_days", 365, "all_time"), True),
        (Criterion("logs", 10**6, "day"), True),
        (Criterion("shares", 100, "day"), True),
        (Criterion("pages", 0), False),
        (Criterion("likes", 1), False),
        (Criterion("pages", 1, "year"), False),
    ],
)
def test_unreachable_criteria(criterion: Criterion, reachable: bool) -> None:
    assert (unreachable_reason(criterion, RULES) is None) == reachable


def test_reasons_say_which_cap() -> None:
    assert (
        unreachable_reason(Criterion("pages", 1000, "day"), RULES)
        == "1000 pages in one day is more than the daily cap of 500 pages"
    )
    week = unreachable_reason(Criterion("pages", 4000, "week"), RULES)
    assert week is not None and "3500 pages" in week and "daily cap of 500 pages" in week
    points = unreachable_reason(Criterion("pages", 300, "day"), Rules(points_per_page=5))
    assert points is not None and "200 pages" in points and "1000 points" in points
    streak = unreachable_reason(Criterion("streak_days", 8, "week"), RULES)
    assert streak is not None and "7 days" in streak
    assert unreachable_reason(Criterion("pages", 0), RULES) == "target must be at least 1"


def test_nothing_is_reachable_when_one_finished_book_is_over_the_points_cap() -> None:
    rules = Rules(finished_book_bonus=100, daily_cap_points=50)
    reason = unreachable_reason(Criterion("books_finished", 1), rules)
    assert reason is not None and "no finished books" in reason


def test_badge_reason_is_the_first_unreachable_criterion() -> None:
    assert badge_unreachable_reason([], RULES) == "a badge needs at least one criterion"
    assert badge_unreachable_reason([Criterion("pages", 10)], RULES) is None
    reason = badge_unreachable_reason(
        [Criterion("pages", 10), Criterion("minutes", 700, "day")], RULES
    )
    assert reason is not None and "600 minutes" in reason


@pytest.mark.parametrize(
    ("goal", "target", "window", "reachable"),
    [
        ("pages", 15000, 30, True),
        ("pages", 15001, 30, False),
        ("minutes", 18000, 30, True),
        ("minutes", 18001, 30, False),
        ("books", 1500, 30, True),
        ("books", 1501, 30, False),
        ("pages", 500, 1, True),
        ("pages", 501, 1, False),
        ("pages", 10, 0, False),
        ("pages", 0, 30, False),
        ("likes", 10, 30, False),
    ],
)
def test_unreachable_challenges(goal: str, target: int, window: int, reachable: bool) -> None:
    assert (challenge_unreachable_reason(goal, target, window, RULES) is None) == reachable


def test_challenge_reason_names_the_window_and_cap() -> None:
    reason = challenge_unreachable_reason("pages", 20000, 30, RULES)
    assert reason == (
        "20000 pages in 30 days is more than the 15000 pages a member can reach in 30 days "
        "under the daily cap of 500 pages"
    )


@settings(max_examples=200, deadline=None)
@given(
    rules=rules_strategy,
    metric=st.sampled_from(METRICS),
    period=st.sampled_from(PERIODS),
    target=st.integers(1, 50_000),
)
def test_a_criterion_is_reachable_exactly_up_to_the_daily_limit(
    rules: Rules, metric: str, period: str, target: int
) -> None:
    reason = unreachable_reason(Criterion(metric, target, period), rules)
    per_day = max_per_day(metric, rules)
    days = PERIOD_DAYS[period]
    if per_day is None or (days is None and per_day > 0):
        assert reason is None
    else:
        assert (reason is None) == (per_day * (days or 1) >= target and per_day > 0)


@settings(max_examples=200, deadline=None)
@given(rules=rules_strategy)
def test_the_daily_page_and_minute_limits_are_exact(rules: Rules) -> None:
    """The engine auto-accepts a day of exactly max_per_day, and not one more."""
    rules = replace(rules, streak_bonus_per_day=0)  # a member may have no streak
    fresh = DayState()
    pages = max_per_day("pages", rules)
    assert pages is not None
    assert score_log(LogInput(pages, 0, False), fresh, rules).status == ACCEPTED
    assert score_log(LogInput(pages + 1, 0, False), fresh, rules).status == PENDING_REVIEW

    minutes = max_per_day("minutes", rules)
    assert minutes is not None
    with_a_page = score_log(LogInput(1, minutes, False), fresh, rules)
    loose = score_log(LogInput(0, minutes, False), fresh, rules)
    assert ACCEPTED in (with_a_page.status, loose.status)
    for extra_pages in (0, 1):
        # one more minute breaks a cap whether it comes with a page or not
        over = score_log(LogInput(extra_pages, minutes + 1, False), fresh, rules)
        assert over.status == PENDING_REVIEW


@pytest.mark.parametrize(
    ("metric", "current", "target", "language", "label"),
    [
        ("books_finished", 7, 10, "en", "7 of 10 books"),
        ("books_finished", 7, 10, "id", "7 dari 10 buku"),
        ("books_finished", 0, 1, "en", "0 of 1 book"),
        ("pages", 1200, 5000, "en", "1,200 of 5,000 pages"),
        ("pages", 1200, 5000, "id", "1.200 dari 5.000 halaman"),
        ("streak_days", 3, 7, "id", "3 dari 7 hari berturut-turut"),
        ("minutes", 30, 60, "id", "30 dari 60 menit"),
    ],
)
def test_progress_labels(metric: str, current: int, target: int, language: str, label: str) -> None:
    assert progress_label(metric, current, target, language) == label  # type: ignore[arg-type]


def test_every_metric_has_a_label_in_both_languages() -> None:
    for metric in METRICS:
        assert progress_label(metric, 1, 2, "en") != progress_label(metric, 1, 2, "id")
