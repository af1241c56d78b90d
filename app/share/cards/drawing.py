"""A laid-out card drawn as a PNG, under the size a card may weigh."""

from __future__ import annotations

import itertools
import math
from io import BytesIO

from PIL import Image, ImageDraw

from app.share.cards.colours import contrast, hex_to_rgb, ink_for, mix
from app.share.cards.fonts import font
from app.share.cards.formats import CARD_MAX_BYTES
from app.share.cards.layout import CardLayout, layout_card
from app.share.wording import ShareContext

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
