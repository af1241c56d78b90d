"""The one font a card is drawn in, and the characters it can draw."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from PIL import ImageFont


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled Aileron at ``size`` px: the one scalable font every install has."""
    loaded = ImageFont.load_default(size=size)
    if not isinstance(loaded, ImageFont.FreeTypeFont):  # pragma: no cover
        raise RuntimeError("Pillow was built without FreeType: share cards need it")
    return loaded


_PROBE_SIZE = 32


@lru_cache(maxsize=1)
def _missing_glyph() -> bytes:
    return _glyph_signature("\ue000")  # a private-use code point: surely the .notdef box


def _glyph_signature(ch: str) -> bytes:
    mask = font(_PROBE_SIZE).getmask(ch)
    width, height = (int(v) for v in mask.size)
    pixels: bytes = bytes(mask)
    return width.to_bytes(4, "big") + height.to_bytes(4, "big") + pixels


@lru_cache(maxsize=4096)
def has_glyph(ch: str) -> bool:
    """Whether the card font draws ``ch`` (rather than its empty-box .notdef glyph)."""
    if ch == " ":
        return True
    if unicodedata.category(ch)[0] in "CZ":
        return False
    return _glyph_signature(ch) != _missing_glyph()


_SUBSTITUTES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u2022": "·",
    "\u2032": "'",
    "\u2033": '"',
}


def drawable(text: str) -> str:
    """``text`` with only characters the card font can draw.

    Accented letters lose their accents ("Zoë" -> "Zoe") rather than vanish;
    emoji and scripts the font lacks are left out, never drawn as boxes.
    """
    out: list[str] = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif has_glyph(ch):
            out.append(ch)
        elif ch in _SUBSTITUTES:
            out.append(_SUBSTITUTES[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if base and all(has_glyph(c) for c in base):
                out.append(base)
    return " ".join("".join(out).split())
