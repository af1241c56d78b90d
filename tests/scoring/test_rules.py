"""Rules: the product's defaults, their bounds, and loading them from a library's settings."""

import pytest

from app.scoring import (
    BONUS_BADGE,
    BONUS_CHALLENGE,
    BONUS_CODES,
    BONUS_FINISHED,
    BONUS_STREAK,
    READING_CODES,
    READING_MINUTES,
    READING_PAGES,
    RULE_BOUNDS,
    RULE_NAMES,
    Rules,
    rule_errors,
)


def test_defaults_are_the_products() -> None:
    assert Rules().to_dict() == {
        "points_per_page": 1,
        "minutes_per_point": 2,
        "finished_book_bonus": 20,
        "streak_min_days": 3,
        "streak_bonus_per_day": 5,
        "streak_bonus_max": 50,
        "challenge_multiplier": 2,
        "daily_cap_pages": 500,
        "daily_cap_minutes": 600,
        "daily_cap_points": 1000,
        "max_pages_per_minute": 3,
        "backdate_days": 7,
    }


def test_every_rule_has_bounds_that_hold_its_default() -> None:
    assert set(RULE_BOUNDS) == set(RULE_NAMES)
    for name, value in Rules().to_dict().items():
        low, high = RULE_BOUNDS[name]
        assert low <= value <= high, name


def test_bounds_keep_the_arithmetic_defined() -> None:
    assert RULE_BOUNDS["minutes_per_point"][0] >= 1
    assert RULE_BOUNDS["challenge_multiplier"][0] >= 1
    for cap in ("daily_cap_pages", "daily_cap_minutes", "daily_cap_points"):
        assert RULE_BOUNDS[cap][0] >= 1


def test_from_mapping_round_trips_and_fills_defaults() -> None:
    rules = Rules(points_per_page=2, backdate_days=3)
    assert Rules.from_mapping(rules.to_dict()) == rules
    assert Rules.from_mapping({"points_per_page": 2, "backdate_days": 3}) == rules
    assert Rules.from_mapping({}) == Rules()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"minutes_per_point": 0}, "minutes_per_point"),
        ({"points_per_page": 101}, "points_per_page"),
        ({"challenge_multiplier": 11}, "challenge_multiplier"),
        ({"backdate_days": 31}, "backdate_days"),
        ({"daily_cap_pages": 0}, "daily_cap_pages"),
        ({"daily_cap_pages": "500"}, "daily_cap_pages"),
        ({"daily_cap_pages": 500.0}, "daily_cap_pages"),
        ({"daily_cap_pages": True}, "daily_cap_pages"),
        ({"points_per_pages": 1}, "points_per_pages"),
    ],
)
def test_bad_settings_are_named(data: dict[str, object], field: str) -> None:
    assert set(rule_errors(data)) == {field}
    with pytest.raises(ValueError, match=field):
        Rules.from_mapping(data)


def test_rules_cannot_be_built_out_of_bounds() -> None:
    with pytest.raises(ValueError, match="minutes_per_point"):
        Rules(minutes_per_point=0)


def test_reading_and_bonus_codes_are_distinct() -> None:
    assert {READING_PAGES, READING_MINUTES} == READING_CODES
    assert {BONUS_FINISHED, BONUS_STREAK, BONUS_CHALLENGE, BONUS_BADGE} == BONUS_CODES
    assert not READING_CODES & BONUS_CODES
    assert all(code.startswith("reading.") for code in READING_CODES)
    assert all(code.startswith("bonus.") for code in BONUS_CODES)
