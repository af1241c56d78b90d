"""PNG share cards (story, square, og) drawn with Pillow in the library's colours.

Only Pillow's bundled scalable font is used (no system font is guaranteed), so
characters it lacks are transliterated ("é" -> "e") or left out; text is
wrapped and shrunk until it fits, and shortened with an ellipsis only when even
the smallest size cannot hold it. Every card stays under ``CARD_MAX_BYTES``.

`formats` names the formats and their sizes, `colours` and `fonts` what a card is
drawn with, `fitting` fits text into a box, `layout` places a card's parts per
format and kind, and `drawing` turns a layout into the PNG.
"""

from app.share.cards.colours import contrast, hex_to_rgb, ink_for, mix, rgb_to_hex
from app.share.cards.drawing import render_card
from app.share.cards.fitting import PlacedLine
from app.share.cards.fonts import drawable, font, has_glyph
from app.share.cards.formats import CARD_FORMATS, CARD_MAX_BYTES, CARD_SIZES, CardFormat
from app.share.cards.layout import ICONS, CardLayout, icon_name, layout_card

__all__ = [
    "CARD_FORMATS",
    "CARD_MAX_BYTES",
    "CARD_SIZES",
    "ICONS",
    "CardFormat",
    "CardLayout",
    "PlacedLine",
    "contrast",
    "drawable",
    "font",
    "has_glyph",
    "hex_to_rgb",
    "icon_name",
    "ink_for",
    "layout_card",
    "mix",
    "render_card",
    "rgb_to_hex",
]
