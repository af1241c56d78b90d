"""Each scoring rule on its own, with the product's default settings."""

from datetime import date
from typing import Any

import pytest

from app.scoring import (
    ACCEPTED,
    BONUS_FINISHED,
    BONUS_STREAK,
    PENDING_REVIEW,
    READING_MINUTES,
    READING_PAGES,
    REASON_DAILY_CAP_MINUTES,
    REASON_DAILY_CAP_PAGES,
    REASON_DAILY_CAP_POINTS,
    REASON_TOO_FAST,
    Award,
    DayState,
    LogInput,
    Outcome,
    Rules,
    count_log,
    read_on_allowed,
    score_log,
)

RULES = Rules()
# A day that already has a counted log, so no streak bonus muddies the reading points.
LATER = DayState(logs=1)


def log(
    pages: int = 0, minutes: int = 0, *, first_finish: bool = False, multiplier: int = 1
) -> LogInput:
    return LogInput(pages=pages, minutes=minutes, first_finish=first_finish, multiplier=multiplier)


def test_pages_earn_one_point_each() -> None:
    outcome = score_log(log(pages=120), LATER, RULES)
    assert outcome == Outcome(ACCEPTED, (), (Award(READING_PAGES, 120),))
    assert outcome.points == 120


def test_points_per_page_is_a_setting() -> None:
    assert score_log(log(pages=10), LATER, Rules(points_per_page=3)).points == 30


def test_minutes_without_pages_earn_a_point_per_two_minutes() -> None:
    assert score_log(log(minutes=45), LATER, RULES).awards == (Award(READING_MINUTES, 22),)


def test_minutes_with_pages_earn_nothing_more() -> None:
    assert score_log(log(pages=30, minutes=45), LATER, RULES).awards == (Award(READING_PAGES, 30),)


def test_no_minute_is_lost_between_logs_of_a_day() -> None:
    day = LATER
    totals = []
    for _ in range(3):
        entry = log(minutes=1)
        outcome = score_log(entry, day, RULES)
        totals.append(outcome.points)
        day = count_log(day, entry, outcome)
    # three 1-minute logs: 1 point in all, earned by the log that completes 2 minutes
    assert totals == [0, 1, 0]
    assert day.loose_minutes == 3


def test_minutes_of_logs_with_pages_do_not_feed_the_minute_points() -> None:
    entry = log(pages=3, minutes=1)
    day = count_log(LATER, entry, score_log(entry, LATER, RULES))
    assert day.loose_minutes == 0
    assert score_log(log(minutes=1), day, RULES).points == 0


def test_finished_book_earns_20_once() -> None:
    assert score_log(log(pages=10, first_finish=True), LATER, RULES).awards == (
        Award(READING_PAGES, 10),
        Award(BONUS_FINISHED, 20),
    )
    # a second finished log of the same book is not a first finish (the caller knows)
    assert score_log(log(pages=10, first_finish=False), LATER, RULES).points == 10


@pytest.mark.parametrize(
    ("streak_before", "bonus"),
    # streak_before 2 makes today day 3; 11 makes it day 12
    [(0, 0), (1, 0), (2, 5), (3, 10), (4, 15), (10, 45), (11, 50), (100, 50)],
)
def test_streak_bonus_from_day_three_capped_at_50(streak_before: int, bonus: int) -> None:
    outcome = score_log(log(pages=1), DayState(streak_before=streak_before), RULES)
    streak_awards = [a.amount for a in outcome.awards if a.rule_code == BONUS_STREAK]
    assert streak_awards == ([bonus] if bonus else [])


def test_streak_bonus_only_on_the_days_first_counted_log() -> None:
    first = DayState(streak_before=5)
    entry = log(pages=1)
    outcome = score_log(entry, first, RULES)
    assert Award(BONUS_STREAK, 20) in outcome.awards
    second = score_log(entry, count_log(first, entry, outcome), RULES)
    assert second.awards == (Award(READING_PAGES, 1),)


def test_challenge_multiplier_doubles_reading_points_only() -> None:
    day = DayState(streak_before=2)
    outcome = score_log(log(pages=30, first_finish=True, multiplier=2), day, RULES)
    assert outcome.awards == (
        Award(READING_PAGES, 60),
        Award(BONUS_FINISHED, 20),
        Award(BONUS_STREAK, 5),
    )
    minutes = score_log(log(minutes=45, multiplier=2), LATER, RULES)
    assert minutes.awards == (Award(READING_MINUTES, 44),)


def test_award_order_is_pages_minutes_finished_streak_and_zeros_are_left_out() -> None:
    outcome = score_log(log(minutes=2, first_finish=True), DayState(streak_before=2), RULES)
    assert [a.rule_code for a in outcome.awards] == [READING_MINUTES, BONUS_FINISHED, BONUS_STREAK]
    assert score_log(log(minutes=1), LATER, RULES).awards == ()


def test_500_pages_accepted_501_pending() -> None:
    assert score_log(log(pages=500), LATER, RULES).status == ACCEPTED
    outcome = score_log(log(pages=501), LATER, RULES)
    assert outcome.status == PENDING_REVIEW
    assert outcome.reasons == (REASON_DAILY_CAP_PAGES,)
    # the awards wait for staff but are still computed, to be shown as pending
    assert outcome.awards == (Award(READING_PAGES, 501),)


def test_page_cap_counts_the_days_earlier_logs() -> None:
    day = DayState(pages=400, points=400, logs=2)
    assert score_log(log(pages=100), day, RULES).status == ACCEPTED
    assert score_log(log(pages=101), day, RULES).reasons == (REASON_DAILY_CAP_PAGES,)


def test_minute_cap() -> None:
    day = DayState(minutes=590, logs=1)
    assert score_log(log(pages=1, minutes=10), day, RULES).status == ACCEPTED
    assert score_log(log(pages=1, minutes=11), day, RULES).reasons == (REASON_DAILY_CAP_MINUTES,)


def test_points_cap_includes_bonuses() -> None:
    day = DayState(pages=300, points=970, logs=3)
    assert score_log(log(pages=10, first_finish=True), day, RULES).status == ACCEPTED
    outcome = score_log(log(pages=11, first_finish=True), day, RULES)
    assert outcome.reasons == (REASON_DAILY_CAP_POINTS,)


def test_multiplied_pages_can_hit_the_points_cap_alone() -> None:
    outcome = score_log(log(pages=501, multiplier=2), LATER, RULES)
    assert outcome.reasons == (REASON_DAILY_CAP_PAGES, REASON_DAILY_CAP_POINTS)


def test_100_pages_in_10_minutes_is_too_fast() -> None:
    outcome = score_log(log(pages=100, minutes=10), LATER, RULES)
    assert outcome.status == PENDING_REVIEW
    assert outcome.reasons == (REASON_TOO_FAST,)
    assert score_log(log(pages=30, minutes=10), LATER, RULES).status == ACCEPTED
    assert score_log(log(pages=31, minutes=10), LATER, RULES).reasons == (REASON_TOO_FAST,)


def test_reviewed_skips_the_checks_and_keeps_the_awards() -> None:
    entry = log(pages=2000, minutes=10, first_finish=True)
    day = DayState(pages=500, minutes=600, points=1000, logs=4)
    live = score_log(entry, day, RULES)
    approved = score_log(entry, day, RULES, reviewed=True)
    assert live.status == PENDING_REVIEW
    assert set(live.reasons) == {
        REASON_DAILY_CAP_PAGES,
        REASON_DAILY_CAP_MINUTES,
        REASON_DAILY_CAP_POINTS,
        REASON_TOO_FAST,
    }
    assert approved == Outcome(ACCEPTED, (), live.awards)


def test_outcome_splits_reading_and_bonus_points() -> None:
    outcome = score_log(log(pages=10, first_finish=True), DayState(streak_before=3), RULES)
    assert (outcome.reading_points, outcome.bonus_points, outcome.points) == (10, 30, 40)


def test_count_log_adds_the_log_to_the_day() -> None:
    day = DayState(pages=5, minutes=7, loose_minutes=3, points=9, logs=2, streak_before=4)
    entry = log(minutes=4)
    outcome = Outcome(ACCEPTED, (), (Award(READING_MINUTES, 3),))
    assert count_log(day, entry, outcome) == DayState(
        pages=5, minutes=11, loose_minutes=7, points=12, logs=3, streak_before=4
    )


def test_a_pending_outcome_cannot_be_counted() -> None:
    entry = log(pages=501)
    with pytest.raises(ValueError, match="accepted"):
        count_log(LATER, entry, score_log(entry, LATER, RULES))


@pytest.mark.parametrize("kwargs", [{"pages": -1}, {"minutes": -1}, {"pages": 1, "multiplier": 0}])
def test_nonsense_logs_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        log(**kwargs)


def test_nonsense_day_state_is_refused() -> None:
    with pytest.raises(ValueError):
        DayState(points=-1)
    with pytest.raises(ValueError):
        DayState(minutes=1, loose_minutes=2)


TODAY = date(2024, 11, 20)


@pytest.mark.parametrize("days_back", [0, 1, 7])
def test_read_on_within_the_back_dating_window(days_back: int) -> None:
    assert read_on_allowed(date(2024, 11, 20 - days_back), TODAY, RULES) is None


def test_read_on_in_the_future_is_refused() -> None:
    reason = read_on_allowed(date(2024, 11, 21), TODAY, RULES)
    assert reason is not None and "future" in reason


def test_read_on_too_far_back_is_refused() -> None:
    reason = read_on_allowed(date(2024, 11, 12), TODAY, RULES)
    assert reason is not None and "8 days" in reason and "7" in reason


def test_no_back_dating_when_the_library_says_so() -> None:
    rules = Rules(backdate_days=0)
    assert read_on_allowed(TODAY, TODAY, rules) is None
    reason = read_on_allowed(date(2024, 11, 19), TODAY, rules)
    assert reason is not None and "today" in reason


def _day_total(entries: list[LogInput]) -> int:
    day, total = LATER, 0
    for entry in entries:
        outcome = score_log(entry, day, RULES)
        day = count_log(day, entry, outcome)
        total += outcome.points
    return total


def test_minute_points_of_a_day_do_not_follow_the_order_across_multipliers() -> None:
    # each multiplier's minutes turn into points on their own: 3 minutes at x2 make
    # 1 point doubled, the 1 minute at x1 none, whichever comes first
    boosted, plain = log(minutes=3, multiplier=2), log(minutes=1)
    assert _day_total([boosted, plain]) == _day_total([plain, boosted]) == 2


def test_minutes_above_x1_at_two_multipliers_earn_the_same_in_either_order() -> None:
    # a log back-dated across a change of the challenge multiplier (x2, then x3): the
    # day's 2 boosted minutes make 1 point at the day's highest multiplier, 3, whichever
    # log arrives first (minutes_per_point is 2 by default)
    at_two, at_three = log(minutes=1, multiplier=2), log(minutes=1, multiplier=3)
    assert RULES.minutes_per_point == 2
    assert _day_total([at_two, at_three]) == _day_total([at_three, at_two]) == 3
