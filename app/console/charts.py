"""Small server-rendered SVG charts: a titled, described picture of numbers that the
page also shows as a table beside it. No script, no library, a few KB each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 20, 40
CURRENT = "#1e5aa8"  # 6.6:1 on white
PREVIOUS = "#5f6b7a"  # 5.3:1 on white, and dashed: not told apart by colour alone
GRID = "#d5dae1"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: a gap (a figure not shown, e.g. "fewer than 5")


def number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(5) if step * i <= top + step]


def _fmt(value: float) -> str:
    return f"{int(value):,}".replace(",", ".") if value == int(value) else f"{value:.1f}"


def line_chart(
    chart_id: str, title: str, description: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Lines over the same x labels: the first series solid, the others dashed."""
    known = [v for s in series for v in s.values if v is not None]
    ticks = _ticks(max(known, default=0.0))
    top = ticks[-1] or 1.0
    n = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for t in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#1b1f24">{_fmt(t)}</text>'
        )
    shown = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
    for i in shown:
        if i < len(labels):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="12" fill="#1b1f24">{escape(labels[i])}</text>'
            )
    for k, s in enumerate(series):
        colour = CURRENT if k == 0 else PREVIOUS
        dash = "" if k == 0 else ' stroke-dasharray="6 4"'
        width = 3 if k == 0 else 2
        run: list[str] = []
        for i, v in enumerate(s.values):
            if v is None:
                if len(run) > 1:
                    parts.append(_polyline(run, colour, width, dash))
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
            if k == 0:
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
        if len(run) > 1:
            parts.append(_polyline(run, colour, width, dash))
    legend_x = LEFT
    for k, s in enumerate(series):
        colour = CURRENT if k == 0 else PREVIOUS
        dash = "" if k == 0 else ' stroke-dasharray="6 4"'
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 24}" y1="{HEIGHT - 8}" y2="{HEIGHT - 8}" '
            f'stroke="{colour}" stroke-width="3"{dash}/>'
            f'<text x="{legend_x + 30}" y="{HEIGHT - 4}" font-size="12" fill="#1b1f24">'
            f"{escape(s.name)}</text>"
        )
        legend_x += 40 + 8 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above is escaped)


def _polyline(points: list[str], colour: str, width: int, dash: str) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dash} stroke-linejoin="round"/>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
) -> Markup:
    """Horizontal bars, one per label (a funnel reads top to bottom)."""
    row, gap, label_w = 34, 10, 150
    height = TOP + len(labels) * (row + gap)
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    plot_w = WIDTH - label_w - RIGHT - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=False)):
        y0 = TOP // 2 + i * (row + gap)
        w = 0 if v is None else max(2.0, plot_w * v / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + row / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="13" fill="#1b1f24">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y0}" width="{w:.1f}" height="{row}" rx="3" fill="{CURRENT}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y0 + row / 2 + 4:.1f}" font-size="13" '
            f'fill="#1b1f24">{"-" if v is None else _fmt(v)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above is escaped)
