"""Where each thing goes on a card, per format and per kind of achievement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw

from app.share.cards.colours import contrast, ink_for
from app.share.cards.fitting import (
    Block,
    PlacedLine,
    fit_blocks,
    line_height,
    line_width,
    pill_padding,
    stroke_of,
)
from app.share.cards.fonts import drawable, font
from app.share.cards.formats import CARD_FORMATS, CARD_SIZES
from app.share.wording import CardTexts, ShareContext, card_texts


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
        Block("kicker", drawable(texts.kicker), size(60), size(34), 2, accent_text, bold=True),
        Block(
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
        blocks.append(Block("subline", drawable(texts.subline), size(48), size(28), 2, ink))
    blocks.append(
        Block("name", drawable(texts.name) or fallback["name"], size(58), size(32), 2, ink)
    )
    if texts.figure and drawable(texts.figure):
        blocks.append(
            Block(
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
    fitted = fit_blocks(blocks, col_w, text_height, spec.gap)

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
        lh = line_height(f.size)
        stroke = stroke_of(f.size, b.bold)
        if b.pill:
            pad_x, pad_y = pill_padding(f.size)
            widest = max(line_width(line, f.size, stroke) for line in f.lines)
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
    header = fit_blocks([Block("library", library, size(46), size(24), 2, ink)], hw, hh, 0)[0]
    top = hy + (hh - header.height) // 2
    for line in header.lines:
        place(line, top, header.size, ink, 0, hx, hw)
        top += line_height(header.size)

    bx, by, bw, bh = spec.bottom_box
    bottom_blocks = []
    # Only a tag the font draws whole: a tag missing a letter would be another tag.
    hashtag = next((t for t in texts.hashtags if drawable(t) == t), None)
    if hashtag:
        bottom_blocks.append(
            Block("hashtag", hashtag, size(52), size(26), 2, accent_text, bold=True)
        )
    bottom_blocks.append(Block("footer", texts.footer, size(36), size(22), 1, ink))
    bottom = fit_blocks(bottom_blocks, bw, bh, max(4, spec.gap // 2))
    top = by + (bh - sum(f.height for f in bottom) - max(4, spec.gap // 2) * (len(bottom) - 1)) // 2
    for f in bottom:
        for line in f.lines:
            place(line, top, f.size, f.block.fill, stroke_of(f.size, f.block.bold), bx, bw)
            top += line_height(f.size)
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
