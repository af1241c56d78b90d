"""Streaks: the current and longest run of local days with counted logs, and their bonus."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import Rules, streak_before, streak_bonus, streaks

TODAY = date(2024, 11, 20)


def days_ago(*offsets: int) -> set[date]:
    return {TODAY - timedelta(days=n) for n in offsets}


@pytest.mark.parametrize(
    ("streak", "bonus"), [(0, 0), (1, 0), (2, 0), (3, 5), (4, 10), (11, 45), (12, 50), (40, 50)]
)
def test_streak_bonus_with_defaults(streak: int, bonus: int) -> None:
    assert streak_bonus(streak, Rules()) == bonus


def test_streak_bonus_follows_the_settings() -> None:
    rules = Rules(streak_min_days=1, streak_bonus_per_day=3, streak_bonus_max=7)
    assert [streak_bonus(n, rules) for n in range(5)] == [0, 3, 6, 7, 7]


def test_current_streak_ends_today() -> None:
    assert streaks(days_ago(0, 1, 2, 4), TODAY) == (3, 3)


def test_current_streak_is_alive_until_today_ends() -> None:
    assert streaks(days_ago(1, 2, 3), TODAY) == (3, 3)


def test_current_streak_is_broken_by_a_missed_day() -> None:
    assert streaks(days_ago(2, 3, 4, 5), TODAY) == (0, 4)


def test_longest_streak_can_be_in_the_past() -> None:
    assert streaks(days_ago(0, 10, 11, 12, 13, 14), TODAY) == (1, 5)


def test_no_days_no_streak() -> None:
    assert streaks([], TODAY) == (0, 0)


def test_duplicate_days_count_once() -> None:
    assert streaks([TODAY, TODAY, TODAY - timedelta(days=1)], TODAY) == (2, 2)


def test_streak_before_counts_back_from_the_day_before() -> None:
    days = days_ago(1, 2, 3, 5)
    assert streak_before(days, TODAY) == 3
    assert streak_before(days, TODAY - timedelta(days=1)) == 2
    assert streak_before(days, TODAY - timedelta(days=4)) == 1
    # a back-dated log: the days after read_on do not matter
    assert streak_before(days, TODAY - timedelta(days=3)) == 0
    assert streak_before(sorted(days), TODAY) == 3


def naive_streaks(days: list[date], today: date) -> tuple[int, int]:
    present = set(days)
    longest = 0
    for start in present:
        length = 0
        while start + timedelta(days=length) in present:
            length += 1
        longest = max(longest, length)
    end = today if today in present else today - timedelta(days=1)
    current = 0
    while end - timedelta(days=current) in present:
        current += 1
    return current, longest


@settings(max_examples=200, deadline=None)
@given(offsets=st.lists(st.integers(min_value=-3, max_value=40), max_size=30))
def test_streaks_agree_with_a_naive_count(offsets: list[int]) -> None:
    days = [TODAY - timedelta(days=n) for n in offsets]
    assert streaks(days, TODAY) == naive_streaks(days, TODAY)


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.frozensets(st.integers(min_value=0, max_value=30), max_size=25),
    read_back=st.integers(min_value=0, max_value=30),
)
def test_streak_before_agrees_with_streaks_of_the_day_before(
    offsets: frozenset[int], read_back: int
) -> None:
    days = {TODAY - timedelta(days=n) for n in offsets}
    read_on = TODAY - timedelta(days=read_back)
    yesterday = read_on - timedelta(days=1)
    # the streak ending yesterday is the current one as seen on yesterday, when it had a log
    earlier = {d for d in days if d <= yesterday}
    expected = streaks(earlier, yesterday)[0] if yesterday in earlier else 0
    assert streak_before(days, read_on) == expected
