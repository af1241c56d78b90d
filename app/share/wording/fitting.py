"""Fitting words into a platform's limit: shortening at a word, never inside an emoji or
before a combining mark; defusing tags and mentions in names; searching the richest fit."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from app.share.wording.context import _TEXT_FIELDS, _ZWJ, ELLIPSIS, ShareContext


def shorten(text: str, max_chars: int) -> str:
    """``text`` in at most ``max_chars`` characters, ending in an ellipsis when cut.

    Cuts at a word boundary when one is near, never inside an emoji sequence or
    before a combining mark.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return text
    cut = max_chars - 1
    space = text.rfind(" ", 0, cut + 1)
    if space >= max(1, int(cut * 0.6)):
        cut = space
    while cut > 0 and (_joins_next(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    # Flags are pairs of regional indicators: never keep half of one.
    indicators = 0
    while cut - indicators > 0 and _is_regional_indicator(text[cut - indicators - 1]):
        indicators += 1
    cut -= indicators % 2
    head = text[:cut].rstrip(" ,.;:-\u2013\u2014(\u201c\"'")
    return head + ELLIPSIS


def _joins_next(ch: str) -> bool:
    # A mark, joiner, variation selector or skin tone belongs to the character before it.
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


_MARKERS = "#\uff03@\uff20"  # '#' and '@', ASCII and full-width
_NOT_WORD = "\ufe0e\ufe0f\u20e3"  # variation selectors and keycap: "#️⃣" is an emoji


def _is_word(ch: str) -> bool:
    return ch == "_" or (unicodedata.category(ch)[0] in "LMN" and ch not in _NOT_WORD)


def _defuse(text: str) -> str:
    """``text`` with no hashtag or @mention of its own.

    A title or name must not add tags (they would repeat ours or break
    Instagram's five) nor notify a stranger: a run of '#'/'@' before a word
    character goes; "C#" and "Rp 5.000 @ 2" stay.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] not in _MARKERS:
            out.append(text[i])
            i += 1
            continue
        j = i
        while j < len(text) and text[j] in _MARKERS:
            j += 1
        if j == len(text) or not _is_word(text[j]):
            out.append(text[i:j])
        i = j
    return "".join(out)


def fit_text(
    render: Callable[[int | None], str],
    measure: Callable[[str], int],
    limit: int,
    *,
    min_chars: int = 1,
    longest: int = 0,
) -> str | None:
    """The richest ``render(cap)`` whose measure is within ``limit``, or None.

    ``render(cap)`` must give the text with every variable field shortened to at
    most ``cap`` characters (None: untouched). Binary search on the cap shortens
    the longest fields first and only as much as needed. No field is kept
    longer than ``limit`` characters: it could not fit whole anyway.
    """
    lo = min_chars
    best = render(lo)
    if measure(best) > limit:
        return None
    widest = None if longest <= limit else limit
    text = render(widest)
    if measure(text) <= limit:
        return text
    hi = max(min(longest, limit), lo)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = render(mid)
        if measure(candidate) <= limit:
            lo, best = mid, candidate
        else:
            hi = mid - 1
    return best


class Fields:
    """The context's words, each shortened to the same cap and defused."""

    def __init__(self, ctx: ShareContext, cap: int | None, *, defuse: bool = True) -> None:
        self._ctx = ctx
        self._cap = cap
        self._defuse = defuse

    def __call__(self, name: str) -> str:
        value = getattr(self._ctx, name) or ""
        if self._defuse:
            value = _defuse(value)
        if self._cap is not None and value:
            value = shorten(value, self._cap)
        return value


def longest_field(ctx: ShareContext) -> int:
    """The length of the longest name or title: the most any of them can need."""
    return max(len(getattr(ctx, n) or "") for n in _TEXT_FIELDS if n != "badge_icon")
