"""PNG share cards (story, square, og) drawn with Pillow in the library's colours.

Only Pillow's bundled scalable font is used (no system font is guaranteed), so
characters it lacks are transliterated ("é" -> "e") or left out; text is
wrapped and shrunk until it fits, and shortened with an ellipsis only when even
the smallest size cannot hold it. Every card stays under ``CARD_MAX_BYTES``.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Literal, get_args

from PIL import Image, ImageDraw, ImageFont

from app.share.wording import ELLIPSIS, CardTexts, ShareContext, card_texts

CardFormat = Literal["story", "square", "og"]
CARD_FORMATS: tuple[str, ...] = get_args(CardFormat)
CARD_SIZES: dict[str, tuple[int, int]] = {
    "story": (1080, 1920),
    "square": (1080, 1080),
    "og": (1200, 630),
}
CARD_MAX_BYTES = 300_000

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


# --------------------------------------------------------------------------- font


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


# --------------------------------------------------------------------------- text fitting


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """One line of text on a card, where it is drawn and the box it covers."""

    text: str
    x: int
    y: int
    size: int
    fill: str
    anchor: str
    stroke: int
    bbox: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class _Block:
    key: str
    text: str
    max_size: int
    min_size: int
    max_lines: int
    fill: str
    bold: bool = False
    pill: str | None = None  # background colour of a rounded pill behind the text


def _stroke(size: int, bold: bool) -> int:
    # The bundled font has no bold face: a thin stroke in the text colour stands in,
    # only at large sizes where it doesn't clog the letters.
    return size // 40 if bold and size >= 48 else 0


def _wrap_block(block: _Block, size: int, width: int) -> list[str]:
    text_width = width - (2 * _pill_padding(size)[0] if block.pill else 0)
    return list(_wrap(block.text, size, text_width, _stroke(size, block.bold)))


def _line_height(size: int) -> int:
    ascent, descent = font(size).getmetrics()
    return math.ceil((ascent + descent) * 1.08)


def _width(text: str, size: int, stroke: int) -> float:
    return font(size).getlength(text) + 2 * stroke


@lru_cache(maxsize=1024)
def _wrap(text: str, size: int, width: int, stroke: int) -> tuple[str, ...]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if _width(candidate, size, stroke) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while _width(word, size, stroke) > width:
            cut = _longest_prefix(word, lambda s: _width(s, size, stroke) <= width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return tuple(lines)


def _longest_prefix(word: str, fits: Callable[[str], bool]) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(word[:mid]):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ellipsize(lines: list[str], keep: int, size: int, width: int, stroke: int) -> list[str]:
    kept = lines[:keep]
    if len(lines) <= keep:
        return kept
    last = kept[-1]
    while last and _width(last.rstrip() + ELLIPSIS, size, stroke) > width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,.;:-") + ELLIPSIS
    return kept


@dataclass(frozen=True, slots=True)
class _Fitted:
    block: _Block
    size: int
    lines: list[str]

    @property
    def height(self) -> int:
        pad = _pill_padding(self.size)[1] * 2 if self.block.pill else 0
        return len(self.lines) * _line_height(self.size) + pad


def _pill_padding(size: int) -> tuple[int, int]:
    return (round(size * 0.7), round(size * 0.3))


def _fit_blocks(blocks: list[_Block], width: int, height: int, gap: int) -> list[_Fitted]:
    """Sizes and lines for the blocks so they stack within ``height``.

    A block that wraps past its line budget shrinks; while the stack is too
    tall, the tallest block that can still shrink does. Only at the smallest
    sizes does the overflow of a block end in an ellipsis.
    """
    sizes = [b.max_size for b in blocks]
    while True:
        fitted = [
            _Fitted(b, sz, _wrap_block(b, sz, width)) for b, sz in zip(blocks, sizes, strict=True)
        ]
        too_many_lines = [i for i, f in enumerate(fitted) if len(f.lines) > f.block.max_lines]
        # A block past its line budget will be cut to it: count it at that height.
        total = sum(
            _Fitted(f.block, f.size, f.lines[: f.block.max_lines]).height for f in fitted
        ) + gap * (len(fitted) - 1)
        if not too_many_lines and total <= height:
            return fitted
        shrink = [i for i in too_many_lines if sizes[i] > blocks[i].min_size]
        if not shrink and total > height:
            shrinkable = [i for i in range(len(blocks)) if sizes[i] > blocks[i].min_size]
            if shrinkable:
                shrink = [max(shrinkable, key=lambda i: fitted[i].height)]
        if not shrink:
            break
        for i in shrink:
            sizes[i] = max(blocks[i].min_size, min(sizes[i] - 1, math.floor(sizes[i] * 0.94)))
    # Smallest sizes and still too much: cut the longest blocks to their line budgets.
    out = []
    for f in fitted:
        text_width = width - (2 * _pill_padding(f.size)[0] if f.block.pill else 0)
        lines = _ellipsize(
            f.lines, f.block.max_lines, f.size, text_width, _stroke(f.size, f.block.bold)
        )
        out.append(_Fitted(f.block, f.size, lines))
    while sum(f.height for f in out) + gap * (len(out) - 1) > height:
        # Only reachable if the line budgets themselves overflow: trim the tallest block.
        i = max(range(len(out)), key=lambda k: len(out[k].lines))
        f = out[i]
        if len(f.lines) <= 1:
            out.pop(i)
            continue
        text_width = width - (2 * _pill_padding(f.size)[0] if f.block.pill else 0)
        lines = _ellipsize(
            [*f.lines, ""], len(f.lines) - 1, f.size, text_width, _stroke(f.size, f.block.bold)
        )
        out[i] = _Fitted(f.block, f.size, lines)
    return out


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class _Spec:
    icon_center: tuple[int, int]
    icon_radius: int
    header_box: tuple[int, int, int, int]  # x, y, width, height
    column: tuple[int, int, int, int]
    bottom_box: tuple[int, int, int, int]
    align: Literal["center", "left"]
    scale: float  # font sizes relative to the story card
    gap: int


_SPECS: dict[str, _Spec] = {
    "story": _Spec(
        icon_center=(540, 560),
        icon_radius=240,
        header_box=(90, 110, 900, 90),
        column=(90, 870, 900, 790),
        bottom_box=(90, 1700, 900, 150),
        align="center",
        scale=1.0,
        gap=26,
    ),
    "square": _Spec(
        icon_center=(540, 290),
        icon_radius=140,
        header_box=(80, 50, 920, 60),
        column=(80, 460, 920, 450),
        bottom_box=(80, 930, 920, 110),
        align="center",
        scale=0.72,
        gap=16,
    ),
    "og": _Spec(
        icon_center=(215, 300),
        icon_radius=150,
        header_box=(420, 40, 730, 50),
        column=(420, 100, 730, 400),
        bottom_box=(420, 515, 730, 80),
        align="left",
        scale=0.6,
        gap=12,
    ),
}


@dataclass(frozen=True, slots=True)
class CardLayout:
    """Everything a card draws: its size, colours, icon and placed text lines."""

    fmt: str
    size: tuple[int, int]
    background: str
    accent: str
    ink: str
    icon: str
    icon_center: tuple[int, int]
    icon_radius: int
    lines: list[PlacedLine]
    pills: list[tuple[tuple[int, int, int, int], str]]
    progress: tuple[tuple[int, int, int, int], float] | None


ICONS: tuple[str, ...] = ("star", "medal", "book", "trophy", "flame", "calendar")
_ICON_ALIASES = {
    "badge": "medal",
    "award": "medal",
    "books": "book",
    "reading": "book",
    "bookworm": "book",
    "cup": "trophy",
    "streak": "flame",
    "fire": "flame",
    "month": "calendar",
}


def icon_name(ctx: ShareContext) -> str:
    """The icon a card shows: the badge's own for a badge, else one fitting the subject."""
    if ctx.subject_type == "badge":
        name = (ctx.badge_icon or "medal").strip().lower()
        name = _ICON_ALIASES.get(name, name)
        return name if name in ICONS else "star"
    return {
        "reading_log": "book",
        "challenge": "trophy" if ctx.completed else "flame",
        "leaderboard_rank": "trophy" if (ctx.rank or 99) <= 3 else "star",
        "monthly_summary": "calendar",
    }[ctx.subject_type]


def _fallbacks(ctx: ShareContext) -> dict[str, str]:
    id_ = ctx.language == "id"
    return {
        "name": "Sobat BacaQuest" if id_ else "BacaQuest reader",
        "headline": {
            "badge": "Lencana baru" if id_ else "New badge",
            "reading_log": "Sebuah buku seru" if id_ else "A great book",
            "challenge": "Tantangan membaca" if id_ else "Reading challenge",
            "leaderboard_rank": "Papan peringkat" if id_ else "Leaderboard",
            "monthly_summary": "Bulan ini" if id_ else "This month",
        }[ctx.subject_type],
        "library": "Perpustakaan" if id_ else "Library",
    }


def layout_card(ctx: ShareContext, fmt: str) -> CardLayout:
    """Where everything on the card goes; ``render_card`` draws exactly this."""
    if fmt not in CARD_SIZES:
        raise ValueError(f"format must be one of {', '.join(CARD_FORMATS)}")
    spec = _SPECS[fmt]
    texts: CardTexts = card_texts(ctx)
    fallback = _fallbacks(ctx)
    background = ctx.primary_color
    ink = ink_for(background)
    accent = ctx.accent_color
    # The accent colour writes on the background only where it is legible.
    accent_text = accent if contrast(accent, background) >= 3 else ink
    s = spec.scale

    def size(n: float) -> int:
        return max(12, round(n * s))

    blocks = [
        _Block("kicker", drawable(texts.kicker), size(60), size(34), 2, accent_text, bold=True),
        _Block(
            "headline",
            drawable(texts.headline) or fallback["headline"],
            size(104),
            size(44),
            5,
            ink,
            bold=True,
        ),
    ]
    if texts.subline and drawable(texts.subline):
        blocks.append(_Block("subline", drawable(texts.subline), size(48), size(28), 2, ink))
    blocks.append(
        _Block("name", drawable(texts.name) or fallback["name"], size(58), size(32), 2, ink)
    )
    if texts.figure and drawable(texts.figure):
        blocks.append(
            _Block(
                "figure",
                drawable(texts.figure),
                size(72),
                size(36),
                2,
                ink_for(accent),
                bold=True,
                pill=accent,
            )
        )

    col_x, col_y, col_w, col_h = spec.column
    bar_height = size(26) if texts.progress is not None else 0
    text_height = col_h - (bar_height + spec.gap if bar_height else 0)
    fitted = _fit_blocks(blocks, col_w, text_height, spec.gap)

    lines: list[PlacedLine] = []
    pills: list[tuple[tuple[int, int, int, int], str]] = []
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    total = sum(f.height for f in fitted) + spec.gap * (len(fitted) - 1)
    total += bar_height + spec.gap if bar_height else 0
    y = col_y + max(0, (col_h - total) // 2)

    def place(text: str, top: int, sz: int, fill: str, stroke: int, box_x: int, box_w: int) -> None:
        if spec.align == "center":
            x, anchor = box_x + box_w // 2, "ma"
        else:
            x, anchor = box_x, "la"
        bbox = measure.textbbox((x, top), text, font=font(sz), anchor=anchor, stroke_width=stroke)
        x0, y0, x1, y1 = (round(v) for v in bbox)
        lines.append(PlacedLine(text, x, top, sz, fill, anchor, stroke, (x0, y0, x1, y1)))

    for f in fitted:
        b = f.block
        lh = _line_height(f.size)
        stroke = _stroke(f.size, b.bold)
        if b.pill:
            pad_x, pad_y = _pill_padding(f.size)
            widest = max(_width(line, f.size, stroke) for line in f.lines)
            pill_w = min(col_w, math.ceil(widest) + 2 * pad_x)
            pill_x = col_x + (col_w - pill_w) // 2 if spec.align == "center" else col_x
            pills.append(((pill_x, y, pill_x + pill_w, y + f.height), b.pill))
            top = y + pad_y
            for line in f.lines:
                place(line, top, f.size, b.fill, stroke, pill_x + pad_x, pill_w - 2 * pad_x)
                top += lh
        else:
            top = y
            for line in f.lines:
                place(line, top, f.size, b.fill, stroke, col_x, col_w)
                top += lh
        y += f.height + spec.gap

    progress = None
    if texts.progress is not None:
        bar_w = col_w if spec.align == "left" else round(col_w * 0.8)
        bar_x = col_x if spec.align == "left" else col_x + (col_w - bar_w) // 2
        progress = ((bar_x, y, bar_x + bar_w, y + bar_height), texts.progress)

    # Header (library) and bottom (hashtag, app name): shrunk to fit, two lines at most.
    hx, hy, hw, hh = spec.header_box
    library = drawable(texts.library) or fallback["library"]
    header = _fit_blocks([_Block("library", library, size(46), size(24), 2, ink)], hw, hh, 0)[0]
    top = hy + (hh - header.height) // 2
    for line in header.lines:
        place(line, top, header.size, ink, 0, hx, hw)
        top += _line_height(header.size)

    bx, by, bw, bh = spec.bottom_box
    bottom_blocks = []
    # Only a tag the font draws whole: a tag missing a letter would be another tag.
    hashtag = next((t for t in texts.hashtags if drawable(t) == t), None)
    if hashtag:
        bottom_blocks.append(
            _Block("hashtag", hashtag, size(52), size(26), 2, accent_text, bold=True)
        )
    bottom_blocks.append(_Block("footer", texts.footer, size(36), size(22), 1, ink))
    bottom = _fit_blocks(bottom_blocks, bw, bh, max(4, spec.gap // 2))
    top = by + (bh - sum(f.height for f in bottom) - max(4, spec.gap // 2) * (len(bottom) - 1)) // 2
    for f in bottom:
        for line in f.lines:
            place(line, top, f.size, f.block.fill, _stroke(f.size, f.block.bold), bx, bw)
            top += _line_height(f.size)
        top += max(4, spec.gap // 2)

    return CardLayout(
        fmt=fmt,
        size=CARD_SIZES[fmt],
        background=background,
        accent=accent,
        ink=ink,
        icon=icon_name(ctx),
        icon_center=spec.icon_center,
        icon_radius=spec.icon_radius,
        lines=lines,
        pills=pills,
        progress=progress,
    )


# --------------------------------------------------------------------------- drawing

_SUPERSAMPLE = 4


def _star_points(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _draw_icon(name: str, radius: int, disc: str, ink: str, detail: str, ring: str) -> Image.Image:
    """The round icon, drawn large and scaled down so its edges are smooth."""
    full = radius * 2 * _SUPERSAMPLE
    img = Image.new("RGBA", (full, full), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = full / 2
    k = full / 2  # one unit of the icon's coordinates, -1..1 across the disc

    def p(x: float, y: float) -> tuple[float, float]:
        return (c + x * k, c + y * k)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (c + x0 * k, c + y0 * k, c + x1 * k, c + y1 * k)

    d.ellipse(box(-1, -1, 1, 1), fill=ring)
    d.ellipse(box(-0.9, -0.9, 0.9, 0.9), fill=disc)
    if name == "star":
        d.polygon(_star_points(c, c + 0.04 * k, 0.62 * k, 0.26 * k), fill=ink)
    elif name == "medal":
        d.polygon([p(-0.42, -0.7), p(-0.14, -0.7), p(0.1, -0.05), p(-0.18, -0.05)], fill=ink)
        d.polygon([p(0.42, -0.7), p(0.14, -0.7), p(-0.1, -0.05), p(0.18, -0.05)], fill=ink)
        d.ellipse(box(-0.4, -0.18, 0.4, 0.62), fill=ink)
        d.polygon(_star_points(c, c + 0.23 * k, 0.25 * k, 0.11 * k), fill=detail)
    elif name == "book":
        d.polygon([p(-0.66, -0.42), p(-0.04, -0.3), p(-0.04, 0.5), p(-0.66, 0.38)], fill=ink)
        d.polygon([p(0.66, -0.42), p(0.04, -0.3), p(0.04, 0.5), p(0.66, 0.38)], fill=ink)
        for i in range(3):
            dy = -0.14 + i * 0.2
            d.line([p(-0.54, dy - 0.09), p(-0.16, dy)], fill=detail, width=max(2, int(0.05 * k)))
            d.line([p(0.54, dy - 0.09), p(0.16, dy)], fill=detail, width=max(2, int(0.05 * k)))
    elif name == "trophy":
        width = max(2, int(0.1 * k))
        d.arc(box(-0.7, -0.5, -0.2, 0.05), 90, 270, fill=ink, width=width)
        d.arc(box(0.2, -0.5, 0.7, 0.05), -90, 90, fill=ink, width=width)
        d.rectangle(box(-0.44, -0.58, 0.44, -0.4), fill=ink)
        d.chord(box(-0.44, -0.95, 0.44, 0.18), 0, 180, fill=ink)
        d.rectangle(box(-0.08, 0.1, 0.08, 0.4), fill=ink)
        d.rounded_rectangle(box(-0.34, 0.38, 0.34, 0.54), radius=0.04 * k, fill=ink)
        d.polygon(_star_points(c, c - 0.2 * k, 0.17 * k, 0.07 * k), fill=detail)
    elif name == "flame":
        d.ellipse(box(-0.42, -0.12, 0.42, 0.64), fill=ink)
        outline = [
            (-0.42, 0.26), (-0.41, 0.02), (-0.33, -0.32), (-0.2, -0.1), (-0.1, -0.46),
            (0.04, -0.8), (0.2, -0.44), (0.26, -0.14), (0.36, -0.28), (0.42, 0.02), (0.42, 0.26),
        ]  # fmt: skip
        d.polygon([p(x, y) for x, y in outline], fill=ink)
        d.ellipse(box(-0.2, 0.2, 0.2, 0.58), fill=detail)
        d.polygon(
            [p(-0.19, 0.34), p(-0.08, 0.12), p(0.02, -0.14), p(0.12, 0.12), p(0.19, 0.34)],
            fill=detail,
        )
    else:  # calendar
        d.rounded_rectangle(box(-0.58, -0.46, 0.58, 0.6), radius=0.1 * k, fill=ink)
        d.rectangle(box(-0.48, -0.2, 0.48, 0.5), fill=detail)
        for x in (-0.3, 0.3):
            d.rounded_rectangle(box(x - 0.06, -0.64, x + 0.06, -0.34), radius=0.04 * k, fill=ink)
        for row in range(3):
            for col in range(3):
                x, y = -0.28 + col * 0.28, -0.02 + row * 0.18
                d.rectangle(box(x - 0.07, y - 0.05, x + 0.07, y + 0.05), fill=ink)
    return img.resize((radius * 2, radius * 2), Image.Resampling.LANCZOS)


def _draw(layout: CardLayout) -> tuple[Image.Image, list[str]]:
    """The card, and every flat colour it was drawn with (edges blend between them)."""
    width, height = layout.size
    img = Image.new("RGB", layout.size, layout.background)
    d = ImageDraw.Draw(img)
    # Two soft circles off the edges give the card depth without busy detail.
    tint = mix(layout.background, layout.ink, 0.08)
    d.ellipse((-width * 0.35, -width * 0.35, width * 0.45, width * 0.45), fill=tint)
    d.ellipse((width * 0.6, height - width * 0.4, width * 1.3, height + width * 0.3), fill=tint)

    icon_ink = (
        layout.background
        if contrast(layout.background, layout.accent) >= 2.5
        else ink_for(layout.accent)
    )
    icon = _draw_icon(
        layout.icon,
        layout.icon_radius,
        disc=layout.accent,
        ink=icon_ink,
        detail=layout.accent,
        ring=(ring := mix(layout.background, layout.ink, 0.25)),
    )
    cx, cy = layout.icon_center
    img.paste(icon, (cx - layout.icon_radius, cy - layout.icon_radius), icon)

    for (x0, y0, x1, y1), color in layout.pills:
        d.rounded_rectangle(
            (x0, y0, x1, y1), radius=(y1 - y0) // 2 if y1 - y0 < 200 else 40, fill=color
        )
    track = mix(layout.background, layout.ink, 0.3)
    if layout.progress is not None:
        (x0, y0, x1, y1), fraction = layout.progress
        radius = (y1 - y0) // 2
        d.rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=track)
        filled = x0 + round((x1 - x0) * max(0.0, min(1.0, fraction)))
        if filled - x0 >= 2 * radius:
            d.rounded_rectangle((x0, y0, filled, y1), radius=radius, fill=layout.accent)
    for line in layout.lines:
        d.text(
            (line.x, line.y),
            line.text,
            font=font(line.size),
            fill=line.fill,
            anchor=line.anchor,
            stroke_width=line.stroke,
            stroke_fill=line.fill,
        )
    colours = [layout.background, tint, ring, layout.accent, icon_ink, track]
    colours += [line.fill for line in layout.lines] + [colour for _, colour in layout.pills]
    return img, colours


def _palette(colours: list[str]) -> Image.Image:
    """A 256-colour palette: the card's flat colours exactly, and blends between each pair.

    Anti-aliased edges are blends of two neighbouring colours, so this palette
    keeps the library's colours exact where a generic quantizer would shift them.
    """
    keys = [hex_to_rgb(c) for c in dict.fromkeys(c.upper() for c in colours)][:64]
    pairs = list(itertools.combinations(keys, 2))
    steps = (256 - len(keys)) // len(pairs) if pairs else 0
    entries = list(keys)
    for a, b in pairs:
        for i in range(1, steps + 1):
            t = i / (steps + 1)
            r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
            entries.append((r, g, bl))
    flat = [v for rgb in entries[:256] for v in rgb]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + [0] * (768 - len(flat)))
    return palette


def _encode(img: Image.Image, colours: list[str]) -> bytes:
    """PNG bytes under CARD_MAX_BYTES: mapped to the card's own palette, optimized."""
    paletted = img.quantize(palette=_palette(colours), dither=Image.Dither.NONE)
    buf = BytesIO()
    paletted.save(buf, format="PNG", optimize=True)
    data = buf.getvalue()
    for colors in (64, 16):  # a safety net: flat cards come nowhere near the limit
        if len(data) <= CARD_MAX_BYTES:
            break
        buf = BytesIO()
        img.quantize(colors=colors, dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
        data = buf.getvalue()
    if len(data) > CARD_MAX_BYTES:  # pragma: no cover
        raise RuntimeError("card image stays over the size limit")
    return data


def render_card(ctx: ShareContext, fmt: str) -> bytes:
    """The share card as PNG bytes: "story" 1080x1920, "square" 1080x1080, "og" 1200x630."""
    image, colours = _draw(layout_card(ctx, fmt))
    return _encode(image, colours)
