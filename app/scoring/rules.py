"""Scoring rules in force for one library, their sane bounds, and the ledger's rule codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Final

# Rule codes on the points ledger. Reading and bonus points stay separate codes so totals
# can be shown either way.
READING_PAGES: Final = "reading.pages"
READING_MINUTES: Final = "reading.minutes"
BONUS_FINISHED: Final = "bonus.finished"
BONUS_STREAK: Final = "bonus.streak"
BONUS_CHALLENGE: Final = "bonus.challenge"
BONUS_BADGE: Final = "bonus.badge"

READING_CODES: Final[frozenset[str]] = frozenset({READING_PAGES, READING_MINUTES})
BONUS_CODES: Final[frozenset[str]] = frozenset(
    {BONUS_FINISHED, BONUS_STREAK, BONUS_CHALLENGE, BONUS_BADGE}
)
RULE_CODES: Final[frozenset[str]] = READING_CODES | BONUS_CODES

# Inclusive (min, max) per setting. The minimums keep the arithmetic defined (no division by
# zero, caps that accept at least something); the maximums keep a typo from wrecking a
# leaderboard.
RULE_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "points_per_page": (0, 100),
    "minutes_per_point": (1, 60),
    "finished_book_bonus": (0, 1_000),
    "streak_min_days": (1, 365),
    "streak_bonus_per_day": (0, 1_000),
    "streak_bonus_max": (0, 10_000),
    "challenge_multiplier": (1, 10),
    "daily_cap_pages": (1, 10_000),
    "daily_cap_minutes": (1, 1_440),  # a day has 1,440 minutes
    "daily_cap_points": (1, 1_000_000),
    "max_pages_per_minute": (1, 60),
    "backdate_days": (0, 30),
}


@dataclass(frozen=True, slots=True)
class Rules:
    """The scoring settings of one library; defaults are the product's (PRODUCT.md)."""

    points_per_page: int = 1
    minutes_per_point: int = 2  # 1 point per 2 minutes for logs with minutes but no pages
    finished_book_bonus: int = 20
    streak_min_days: int = 3  # the streak bonus starts on day 3
    streak_bonus_per_day: int = 5
    streak_bonus_max: int = 50
    challenge_multiplier: int = 2  # on a log's reading points inside a joined challenge window
    daily_cap_pages: int = 500
    daily_cap_minutes: int = 600
    daily_cap_points: int = 1000
    max_pages_per_minute: int = 3
    backdate_days: int = 7

    def __post_init__(self) -> None:
        # A Rules value is always sane, so the engine never divides by zero or loops on nonsense.
        errors = rule_errors(self.to_dict())
        if errors:
            raise ValueError(_describe(errors))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Rules:
        """Build rules from stored or submitted settings; missing keys take the default.

        Raises ValueError naming every bad field (unknown key, not an int, out of bounds).
        """
        errors = rule_errors(data)
        if errors:
            raise ValueError(_describe(errors))
        values: dict[str, int] = {}
        for key, value in data.items():
            assert isinstance(value, int)  # checked by rule_errors
            values[key] = value
        return cls(**values)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


RULE_NAMES: Final[tuple[str, ...]] = tuple(f.name for f in fields(Rules))


def rule_errors(data: Mapping[str, object]) -> dict[str, str]:
    """Field name -> what is wrong with it, for a partial or full settings mapping.

    Empty when every given field is a known rule with an int inside its bounds; the API turns
    a non-empty result into a 422 listing the offending fields.
    """
    errors: dict[str, str] = {}
    for key, value in data.items():
        bounds = RULE_BOUNDS.get(key)
        if bounds is None:
            errors[key] = "unknown scoring rule"
        # bool is an int subclass; True as a cap is a client bug, not 1.
        elif not isinstance(value, int) or isinstance(value, bool):
            errors[key] = "must be a whole number"
        elif not bounds[0] <= value <= bounds[1]:
            errors[key] = f"must be between {bounds[0]} and {bounds[1]}"
    return errors


def _describe(errors: Mapping[str, str]) -> str:
    return "invalid scoring rules: " + "; ".join(f"{k} {v}" for k, v in errors.items())
