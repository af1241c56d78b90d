"""Hashtags as the social platforms read them: '#', then letters, marks, digits, '_'."""

from __future__ import annotations

import unicodedata

MAX_HASHTAG_LENGTH = 100


def normalize_hashtag(raw: str) -> str:
    """NFC-normalise and validate one hashtag; raises ValueError with the reason."""
    tag = unicodedata.normalize("NFC", raw.strip())
    if not tag.startswith("#"):
        raise ValueError(f"hashtag {raw!r} must start with '#'")
    body = tag[1:]
    if not body:
        raise ValueError("a hashtag needs at least one letter after '#'")
    if len(tag) > MAX_HASHTAG_LENGTH:
        raise ValueError(f"hashtag is longer than {MAX_HASHTAG_LENGTH} characters")
    has_letter = False
    for ch in body:
        cat = unicodedata.category(ch)
        if cat.startswith("L"):
            has_letter = True
        elif not (cat.startswith("M") or cat == "Nd" or ch == "_"):
            raise ValueError(
                f"hashtag {raw!r} may only hold letters, digits and '_' after '#' (found {ch!r})"
            )
    if not has_letter:
        raise ValueError(f"hashtag {raw!r} needs at least one letter")
    return tag


def hashtag_key(tag: str) -> str:
    """The case-insensitive identity of a hashtag (for uniqueness and matching)."""
    return unicodedata.normalize("NFC", tag).casefold()


def dedupe(tags: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in tags:
        k = hashtag_key(t)
        if k not in seen:
            seen.add(k)
            out.append(t)
    return out
