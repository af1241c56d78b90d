"""A card's colours: the library's, mixed, and the ink that reads on them."""

from __future__ import annotations

RGB = tuple[int, int, int]

# --------------------------------------------------------------------------- colours


def hex_to_rgb(color: str) -> RGB:
    value = color.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def rgb_to_hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def mix(color: str, other: str, amount: float) -> str:
    """``color`` moved ``amount`` (0..1) of the way towards ``other``."""
    a, b = hex_to_rgb(color), hex_to_rgb(other)
    mixed = (round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))
    r, g, bl = mixed
    return rgb_to_hex((r, g, bl))


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = hex_to_rgb(color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


WHITE = "#FFFFFF"
DARK = "#1A1A1A"


def ink_for(background: str) -> str:
    """White or near-black, whichever reads better on ``background``."""
    return WHITE if contrast(WHITE, background) >= contrast(DARK, background) else DARK
