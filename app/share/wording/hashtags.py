"""Share hashtags: cleaned as platforms read them, deduplicated, most important first."""

from __future__ import annotations

import unicodedata

from app.core.hashtags import hashtag_key, normalize_hashtag
from app.share.wording.context import GENERAL_HASHTAGS, ShareContext


def clean_hashtag(raw: str) -> str | None:
    """The tag as platforms read it ('#' + letters/digits/_), or None when unusable.

    Lenient where the library model is strict: spaces and punctuation are
    removed ("Baca Yuk!" -> "#BacaYuk") so a share never fails on a tag.
    """
    body = unicodedata.normalize("NFC", raw.strip()).lstrip("#\uff03")
    kept = "".join(
        ch
        for ch in body
        if ch == "_" or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"
    )
    try:
        return normalize_hashtag("#" + kept)
    except ValueError:
        return None


def dedupe_hashtags(tags: list[str]) -> list[str]:
    """Clean, drop the unusable, keep the first of tags equal when case is ignored."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in tags:
        tag = clean_hashtag(raw)
        if tag is None:
            continue
        key = hashtag_key(tag)
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return out


def share_hashtags(ctx: ShareContext) -> list[str]:
    """All the share's hashtags, most important first (dropped from the end when space is short).

    Order: the library's main tag, the challenge's, the general ones, then the
    library's other tags.
    """
    library = list(ctx.library_hashtags)
    ordered = library[:1]
    if ctx.challenge_hashtag:
        ordered.append(ctx.challenge_hashtag)
    ordered += list(GENERAL_HASHTAGS) + library[1:]
    return dedupe_hashtags(ordered)


def topic_hashtag(ctx: ShareContext) -> str | None:
    """The one tag for platforms that take a single topic (Threads): the challenge's first."""
    tags = dedupe_hashtags([ctx.challenge_hashtag or "", *share_hashtags(ctx)])
    return tags[0] if tags else None
