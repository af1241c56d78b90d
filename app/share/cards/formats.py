"""The card formats and their sizes, and the most a card may weigh."""

from __future__ import annotations

from typing import Literal, get_args

CardFormat = Literal["story", "square", "og"]
CARD_FORMATS: tuple[str, ...] = get_args(CardFormat)
CARD_SIZES: dict[str, tuple[int, int]] = {
    "story": (1080, 1920),
    "square": (1080, 1080),
    "og": (1200, 630),
}
CARD_MAX_BYTES = 300_000
