"""Text fitted into a box: wrapped, shrunk, and shortened only when it must be."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from app.share.cards.fonts import font
from app.share.wording import ELLIPSIS


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
class Block:
    key: str
    text: str
    max_size: int
    min_size: int
    max_lines: int
    fill: str
    bold: bool = False
    pill: str | None = None  # background colour of a rounded pill behind the text


def stroke_of(size: int, bold: bool) -> int:
    # The bundled font has no bold face: a thin stroke in the text colour stands in,
    # only at large sizes where it doesn't clog the letters.
    return size // 40 if bold and size >= 48 else 0


def _wrap_block(block: Block, size: int, width: int) -> list[str]:
    text_width = width - (2 * pill_padding(size)[0] if block.pill else 0)
    return list(_wrap(block.text, size, text_width, stroke_of(size, block.bold)))


def line_height(size: int) -> int:
    ascent, descent = font(size).getmetrics()
    return math.ceil((ascent + descent) * 1.08)


def line_width(text: str, size: int, stroke: int) -> float:
    return font(size).getlength(text) + 2 * stroke


@lru_cache(maxsize=1024)
def _wrap(text: str, size: int, width: int, stroke: int) -> tuple[str, ...]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if line_width(candidate, size, stroke) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while line_width(word, size, stroke) > width:
            cut = _longest_prefix(word, lambda s: line_width(s, size, stroke) <= width)
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
    while last and line_width(last.rstrip() + ELLIPSIS, size, stroke) > width:
        last = last[:-1]
    kept[-1] = last.rstrip(" ,.;:-") + ELLIPSIS
    return kept


@dataclass(frozen=True, slots=True)
class _Fitted:
    block: Block
    size: int
    lines: list[str]

    @property
    def height(self) -> int:
        pad = pill_padding(self.size)[1] * 2 if self.block.pill else 0
        return len(self.lines) * line_height(self.size) + pad


def pill_padding(size: int) -> tuple[int, int]:
    return (round(size * 0.7), round(size * 0.3))


def fit_blocks(blocks: list[Block], width: int, height: int, gap: int) -> list[_Fitted]:
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
        text_width = width - (2 * pill_padding(f.size)[0] if f.block.pill else 0)
        lines = _ellipsize(
            f.lines, f.block.max_lines, f.size, text_width, stroke_of(f.size, f.block.bold)
        )
        out.append(_Fitted(f.block, f.size, lines))
    while sum(f.height for f in out) + gap * (len(out) - 1) > height:
        # Only reachable if the line budgets themselves overflow: trim the tallest block.
        i = max(range(len(out)), key=lambda k: len(out[k].lines))
        f = out[i]
        if len(f.lines) <= 1:
            out.pop(i)
            continue
        text_width = width - (2 * pill_padding(f.size)[0] if f.block.pill else 0)
        lines = _ellipsize(
            [*f.lines, ""], len(f.lines) - 1, f.size, text_width, stroke_of(f.size, f.block.bold)
        )
        out[i] = _Fitted(f.block, f.size, lines)
    return out
