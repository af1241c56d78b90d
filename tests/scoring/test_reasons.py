"""The exact words staff read when a badge or a challenge is refused, and the edges of
each daily limit behind them (pinned: mutation testing showed wording and edges unguarded)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.scoring import (
    Award,
    Criterion,
    DayState,
    LogInput,
    Rules,
    Stats,
    count_log,
    progress,
    progress_label,
    score_log,
)
from app.scoring.badges import challenge_unreachable_reason, max_per_day, unreachable_reason
from app.scoring.engine import read_on_allowed
from app.scoring.replay import reconcile
from app.scoring.rules import rule_errors

R = Rules()
# a page worth more than the points cap: only minutes logs can be auto-accepted
DEAR_PAGES = replace(R, points_per_page=100, daily_cap_points=50)


@pytest.mark.parametrize(
    ("metric", "target", "period", "rules", "reason"),
    [
        ("pages", 600, "day", R, "600 pages in one day is more than the daily cap of 500 pages"),
        (
            "pages",
            501,
            "day",
            replace(R, points_per_page=2),  # 1000 // 2 == 500: the pages cap is the reason
            "501 pages in one day is more than the daily cap of 500 pages",
        ),
        (
            "pages",
            300,
            "day",
            replace(R, points_per_page=5),
            "300 pages in one day is more than the 200 pages a day allowed by the daily cap"
            " of 1000 points at 5 points a page",
        ),
        (
            "pages",
            5000,
            "week",
            replace(R, points_per_page=5),
            "5000 pages in one week is more than the 1400 pages a member can reach in 7 days"
            " under the daily cap of 1000 points at 5 points a page",
        ),
        (
            "minutes",
            700,
            "day",
            R,
            "700 minutes in one day is more than the daily cap of 600 minutes",
        ),
        (
            "minutes",
            102,
            "day",
            DEAR_PAGES,
            "102 minutes in one day is more than the 101 minutes a day allowed by the daily"
            " cap of 50 points at 1 point per 2 minutes",
        ),
        (
            "minutes",
            102,
            "day",
            replace(DEAR_PAGES, daily_cap_minutes=101),  # both limits at 101: the cap says it
            "102 minutes in one day is more than the daily cap of 101 minutes",
        ),
        (
            "minutes",
            601,
            "day",
            replace(R, points_per_page=100, daily_cap_points=500, minutes_per_point=60),
            "601 minutes in one day is more than the daily cap of 600 minutes",
        ),
        (
            "books_finished",
            60,
            "day",
            R,
            "60 finished books in one day is more than the 50 finished books a day allowed by"
            " the daily cap of 1000 points at 20 bonus points a finished book",
        ),
        (
            "books_finished",
            1001,
            "day",
            replace(R, finished_book_bonus=1),
            "1001 finished books in one day is more than the 1000 finished books a day allowed"
            " by the daily cap of 1000 points at 1 bonus points a finished book",
        ),
        (
            "streak_days",
            8,
            "week",
            R,
            "a streak of 8 days cannot fit in one week (7 days at most)",
        ),
        (
            "likes",
            1,
            "day",
            R,
            "unknown metric 'likes'; expected one of books_finished, pages, minutes,"
            " streak_days, genres, logs, challenges_completed, shares, events_attended",
        ),
        (
            "pages",
            1,
            "year",
            R,
            "unknown period 'year'; expected one of all_time, month, week, day",
        ),
        ("pages", 0, "day", R, "target must be at least 1"),
        (
            "pages",
            1,
            "day",
            replace(R, daily_cap_points=1, points_per_page=2),
            "no pages can be auto-accepted on any day under the daily cap of 1 points at 2"
            " points a page",
        ),
    ],
)
def test_unreachable_badge_reasons(metric, target, period, rules, reason) -> None:
    assert unreachable_reason(Criterion(metric, target, period), rules) == reason


def test_reachable_edges_have_no_reason() -> None:
    assert unreachable_reason(Criterion("pages", 500, "day"), R) is None
    assert unreachable_reason(Criterion("streak_days", 7, "week"), R) is None
    assert (
        unreachable_reason(Criterion("books_finished", 1, "day"), replace(R, finished_book_bonus=0))
        is None
    )
    assert max_per_day("streak_days", R) == 1
    assert max_per_day("minutes", DEAR_PAGES) == 101
    assert max_per_day("books_finished", replace(R, finished_book_bonus=0)) is None
    with pytest.raises(ValueError, match="unknown metric 'likes'"):
        max_per_day("likes", R)


@pytest.mark.parametrize(
    ("goal", "target", "window", "rules", "reason"),
    [
        (
            "pages",
            501,
            1,
            R,
            "501 pages in 1 day is more than the 500 pages a member can reach in 1 day under"
            " the daily cap of 500 pages",
        ),
        (
            "pages",
            1001,
            2,
            R,
            "1001 pages in 2 days is more than the 1000 pages a member can reach in 2 days"
            " under the daily cap of 500 pages",
        ),
        ("books", 2, 0, R, "the challenge must last at least one day"),
        ("books", 0, 3, R, "target must be at least 1"),
        (
            "novels",
            1,
            1,
            R,
            "unknown goal 'novels'; expected one of books, pages, minutes, reviews",
        ),
        (
            "pages",
            1,
            3,
            replace(R, daily_cap_points=1, points_per_page=2),
            "no pages can be auto-accepted on any day under the daily cap of 1 points at 2"
            " points a page",
        ),
    ],
)
def test_unreachable_challenge_reasons(goal, target, window, rules, reason) -> None:
    assert challenge_unreachable_reason(goal, target, window, rules) == reason


def test_reachable_challenges_have_no_reason() -> None:
    assert challenge_unreachable_reason("pages", 500, 1, R) is None
    assert challenge_unreachable_reason("books", 1, 1, R) is None
    # one finished book a day at most (a bonus of the whole cap): three in three days
    one_a_day = replace(R, finished_book_bonus=1000)
    assert challenge_unreachable_reason("books", 3, 3, one_a_day) is None
    assert challenge_unreachable_reason("books", 4, 3, one_a_day) is not None
    assert challenge_unreachable_reason("books", 9, 3, replace(R, finished_book_bonus=0)) is None


def test_progress_labels_and_their_refusals() -> None:
    assert progress_label("pages", 7, 10) == "7 dari 10 halaman"
    assert progress_label("books_finished", 1, 1, "en") == "1 of 1 book"
    assert progress_label("pages", 1000, 1000, "id") == "1.000 dari 1.000 halaman"
    with pytest.raises(ValueError, match="unknown metric 'likes'"):
        progress_label("likes", 1, 1)
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        progress_label("pages", 1, 1, "fr")  # type: ignore[arg-type]


def test_progress_never_shows_below_zero_or_an_unknown_period() -> None:
    [p] = progress([Criterion("pages", 10)], {"all_time": Stats(pages=-3)})
    assert (p.current, p.met) == (0, False)
    with pytest.raises(ValueError, match="unknown period 'year'"):
        progress([Criterion("pages", 10, "year")], {"all_time": Stats()})
    with pytest.raises(ValueError, match="no stats given for period 'week'"):
        progress([Criterion("pages", 10, "week")], {"all_time": Stats()})


def test_rules_name_every_bad_setting() -> None:
    with pytest.raises(ValueError) as bad:
        Rules.from_mapping({"daily_cap_pages": 0, "nope": 1})
    assert str(bad.value) == (
        "invalid scoring rules: daily_cap_pages must be between 1 and 10000;"
        " nope unknown scoring rule"
    )


def test_back_dating_words_and_edges() -> None:
    today = date(2026, 11, 17)
    yesterday = date(2026, 11, 16)
    none_back = replace(R, backdate_days=0)
    assert read_on_allowed(yesterday, today, none_back) == (
        "read_on must be today (2026-11-17); this library allows no back-dating"
    )
    assert read_on_allowed(yesterday, today, replace(R, backdate_days=1)) is None
    assert read_on_allowed(date(2026, 11, 18), today, R) == (
        "read_on 2026-11-18 is in the future (today is 2026-11-17)"
    )
    assert read_on_allowed(date(2026, 11, 1), today, R) == (
        "read_on 2026-11-01 is 16 days before today; this library allows at most 7 days back"
    )


def test_reconcile_books_new_logs_sums_codes_and_skips_zero_differences() -> None:
    new = {1: (Award("reading.pages", 1),)}
    assert reconcile({}, new) == new
    twice = {1: (Award("reading.pages", 3), Award("reading.pages", 4))}
    assert reconcile({}, twice) == {1: (Award("reading.pages", 7),)}
    assert reconcile({1: twice[1]}, {1: (Award("reading.pages", 7),)}) == {}
    assert reconcile({}, {1: (Award("x", 3), Award("x", -3))}) == {}
    assert reconcile({2: (Award("reading.pages", 5),)}, {}) == {2: (Award("reading.pages", -5),)}


def test_bad_engine_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"^pages and minutes cannot be negative$"):
        LogInput(pages=-1, minutes=0, first_finish=False)
    with pytest.raises(ValueError, match=r"^multiplier must be at least 1$"):
        LogInput(pages=1, minutes=0, first_finish=False, multiplier=0)
    with pytest.raises(ValueError, match=r"^points cannot be negative$"):
        DayState(points=-1)
    with pytest.raises(ValueError, match=r"^loose_minutes cannot exceed minutes$"):
        DayState(minutes=1, loose_minutes=2)
    log = LogInput(pages=600, minutes=0, first_finish=False)
    flagged = score_log(log, DayState(), R)
    with pytest.raises(ValueError, match=r"^only an accepted outcome can be counted$"):
        count_log(DayState(), log, flagged)
    assert rule_errors({"daily_cap_pages": True, "backdate_days": "7"}) == {
        "daily_cap_pages": "must be a whole number",
        "backdate_days": "must be a whole number",
    }


def test_a_review_contest_has_no_daily_cap_and_its_label_says_reviews() -> None:
    assert challenge_unreachable_reason("reviews", 10_000, 1, R) is None
    assert challenge_unreachable_reason("reviews", 0, 1, R) == "target must be at least 1"
    assert progress_label("reviews", 1, 3, "id") == "1 dari 3 ulasan disetujui"
    assert progress_label("reviews", 1, 1, "en") == "1 of 1 approved review"
