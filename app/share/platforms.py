"""Per-platform share payloads: text within each platform's limit, hashtags, intent URLs.

Limits (``PLATFORM_LIMITS``), counted the way each platform sees the post:

- x: 280 weighted characters by the twitter-text rules (a link counts 23, emoji
  and CJK count 2), for the text plus the link X appends from ``url=``.
- threads: 500 characters, one topic tag; the link is part of the text.
- instagram: 2,200 characters and at most 5 hashtags; tiktok: 2,200 characters.
- facebook, whatsapp, telegram: 1,000 characters, our own choice. The
  platforms take far more (Facebook 63,206; WhatsApp 65,536; Telegram 4,096),
  but a share should read at a glance in a feed or chat bubble, and the text
  travels inside an intent URL that must stay a sensible length.

Outside X, characters are counted in UTF-16 code units (what the apps' text
fields count; an emoji counts 2), never fewer than a platform would count.

When a text is too long it gives way in this order (see ``_fit_post``): the
invitation sentence goes; names and titles are shortened with an ellipsis,
the longest first, down to 40 characters; the library's extra hashtags are
dropped whole, then all but one, as names and titles go down to 24; then
whatever it takes. The link and the hashtags kept are never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import get_args
from urllib.parse import quote, urlencode, urlsplit

from twitter_text import parse_tweet

from app.models.share import Platform
from app.share.wording import (
    WORDINGS,
    ShareContext,
    compose_message,
    fit_text,
    longest_field,
    share_hashtags,
    topic_hashtag,
)

PLATFORMS: tuple[str, ...] = get_args(Platform)

PLATFORM_LIMITS: dict[str, int] = {
    "x": 280,
    "facebook": 1000,
    "instagram": 2200,
    "tiktok": 2200,
    "whatsapp": 1000,
    "telegram": 1000,
    "threads": 500,
}
INSTAGRAM_MAX_HASHTAGS = 5
THREADS_MAX_HASHTAGS = 1

X_INTENT = "https://twitter.com/intent/tweet"
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php"
WHATSAPP_SHARE = "https://wa.me/"
TELEGRAM_SHARE = "https://t.me/share/url"
THREADS_INTENT = "https://www.threads.net/intent/post"

# How far names and titles may be shortened (characters, with the ellipsis) at
# each step of giving way: see _fit_post.
_INVITATION_FIELD_CHARS = 60
_READABLE_FIELD_CHARS = 40
_COMFORT_FIELD_CHARS = 24
# The library's main tag, the challenge's and the two general ones.
_CORE_HASHTAGS = 4


@dataclass(frozen=True, slots=True)
class PlatformPayload:
    """What the app needs to share on one platform.

    ``text`` is what to post (for Instagram/TikTok: the caption to paste);
    ``url`` the intent/share URL, None where the platform has no web intent;
    ``char_count`` the length as the platform counts it (see the module doc),
    always within ``char_limit``; ``image_url`` the story image for
    Instagram/TikTok; ``instructions`` a line the app shows beside the share
    button; ``link_url`` the landing page.
    """

    platform: str
    text: str
    hashtags: list[str]
    url: str | None
    char_count: int
    char_limit: int
    link_url: str
    image_url: str | None = None
    instructions: str | None = None


def utf16_length(text: str) -> int:
    """Characters as JavaScript/Android/iOS text fields count them (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def x_weighted_length(text: str) -> int:
    """X's weighted length by the twitter-text rules (links 23, emoji and CJK 2)."""
    return int(parse_tweet(text).weightedLength)


def _query(params: Sequence[tuple[str, str]]) -> str:
    # %20 rather than '+': WhatsApp and Telegram show a literal '+' for spaces otherwise.
    return urlencode(params, quote_via=quote, safe="")


def _check_absolute(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {url!r}")
    if any(ch.isspace() for ch in url):
        raise ValueError(f"{what} must not contain spaces")


def _layout(message: str, tags: Sequence[str], link: str | None) -> str:
    text = message
    if tags:
        text += "\n\n" + " ".join(tags)
    if link:
        text += ("\n" if tags else "\n\n") + link
    return text


def _fit_post(
    ctx: ShareContext,
    tags: list[str],
    *,
    link_in_text: str | None,
    measure: Callable[[str], int],
    limit: int,
) -> tuple[str, list[str]]:
    """The richest text that fits, and the hashtags it kept.

    Tried in order: everything, names and titles no shorter than
    ``_INVITATION_FIELD_CHARS``; then without the invitation, dropping the
    library's extra tags before titles go under ``_READABLE_FIELD_CHARS``, all
    but one tag before they go under ``_COMFORT_FIELD_CHARS``, and the last tag
    only when nothing else fits.
    """
    longest = longest_field(ctx)
    fewer_tags = [tags[:n] for n in range(len(tags), -1, -1)]
    core = min(len(tags), _CORE_HASHTAGS)
    attempts = [(tags, True, _INVITATION_FIELD_CHARS)]
    attempts += [(kept, False, _READABLE_FIELD_CHARS) for kept in fewer_tags if len(kept) >= core]
    attempts += [
        (kept, False, _COMFORT_FIELD_CHARS) for kept in fewer_tags if 1 <= len(kept) <= core
    ]
    attempts += [(kept, False, 1) for kept in fewer_tags if len(kept) <= 1]
    for kept, invitation, min_chars in attempts:

        def render(cap: int | None, kept: list[str] = kept, inv: bool = invitation) -> str:
            message = compose_message(ctx, max_field_chars=cap, invitation=inv)
            return _layout(message, kept, link_in_text)

        text = fit_text(render, measure, limit, min_chars=min_chars, longest=longest)
        if text is not None:
            return text, kept
    raise ValueError(f"the share cannot fit within {limit} characters (is the link too long?)")


def build_payloads(
    ctx: ShareContext,
    platforms: Sequence[str],
    landing_url: str,
    image_urls: Mapping[str, str],
) -> dict[str, PlatformPayload]:
    """One payload per requested platform (in the order asked, duplicates once).

    ``landing_url`` is the absolute URL of the share's landing page;
    ``image_urls`` maps card formats ("story", "square", "og") to absolute URLs;
    "story" is needed when Instagram or TikTok is asked for.
    Raises ValueError for an unknown platform or a bad URL.
    """
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        raise ValueError(f"unknown platform(s) {', '.join(map(repr, unknown))}")
    _check_absolute(landing_url, "landing_url")
    for fmt, url in image_urls.items():
        _check_absolute(url, f"image_urls[{fmt!r}]")
    wanted = list(dict.fromkeys(platforms))
    if {"instagram", "tiktok"} & set(wanted) and "story" not in image_urls:
        raise ValueError("image_urls needs a 'story' image for instagram and tiktok")
    return {p: _BUILDERS[p](ctx, landing_url, image_urls) for p in wanted}


def _payload(
    platform: str,
    ctx: ShareContext,
    landing: str,
    tags: list[str],
    *,
    link_in_text: str | None = None,
    measure: Callable[[str], int] = utf16_length,
    share_url: Callable[[str], str | None],
    image_url: str | None = None,
    instructions: str | None = None,
) -> PlatformPayload:
    """Fit the post to `platform`'s limit and build its payload; `share_url` makes the
    intent URL from the text that fitted."""
    limit = PLATFORM_LIMITS[platform]
    text, kept = _fit_post(ctx, tags, link_in_text=link_in_text, measure=measure, limit=limit)
    return PlatformPayload(
        platform=platform,
        text=text,
        hashtags=kept,
        url=share_url(text),
        char_count=measure(text),
        char_limit=limit,
        link_url=landing,
        image_url=image_url,
        instructions=instructions,
    )


def _build_x(ctx: ShareContext, landing: str, images: Mapping[str, str]) -> PlatformPayload:
    # X appends the url= link after a space; count the post as X will show it.
    def measure(text: str) -> int:
        return x_weighted_length(f"{text} {landing}")

    return _payload(
        "x",
        ctx,
        landing,
        share_hashtags(ctx),
        measure=measure,
        share_url=lambda text: f"{X_INTENT}?{_query([('text', text), ('url', landing)])}",
    )


def _build_facebook(ctx: ShareContext, landing: str, images: Mapping[str, str]) -> PlatformPayload:
    # The sharer takes only the link; the preview comes from the landing page's
    # Open Graph tags and the text is a suggestion the member may paste.
    return _payload(
        "facebook",
        ctx,
        landing,
        share_hashtags(ctx),
        share_url=lambda text: f"{FACEBOOK_SHARER}?{_query([('u', landing)])}",
    )


def _build_story(
    platform: str, ctx: ShareContext, landing: str, images: Mapping[str, str]
) -> PlatformPayload:
    """Instagram and TikTok: a story image and a caption (a plain function, bound to its
    platform in `_BUILDERS`, so what it does is decided at each call)."""
    tags = share_hashtags(ctx)
    if platform == "instagram":
        tags = tags[:INSTAGRAM_MAX_HASHTAGS]
    # Links in these captions are not clickable: the link goes in a sticker/bio.
    return _payload(
        platform,
        ctx,
        landing,
        tags,
        share_url=lambda text: None,
        image_url=images["story"],
        instructions=WORDINGS.get(ctx.language).instructions[platform],
    )


def _build_whatsapp(ctx: ShareContext, landing: str, images: Mapping[str, str]) -> PlatformPayload:
    return _payload(
        "whatsapp",
        ctx,
        landing,
        share_hashtags(ctx),
        link_in_text=landing,
        share_url=lambda text: f"{WHATSAPP_SHARE}?{_query([('text', text)])}",
    )


def _build_telegram(ctx: ShareContext, landing: str, images: Mapping[str, str]) -> PlatformPayload:
    # Telegram posts the link, a line break, then the text.
    def measure(text: str) -> int:
        return utf16_length(f"{landing}\n{text}")

    return _payload(
        "telegram",
        ctx,
        landing,
        share_hashtags(ctx),
        measure=measure,
        share_url=lambda text: f"{TELEGRAM_SHARE}?{_query([('url', landing), ('text', text)])}",
    )


def _build_threads(ctx: ShareContext, landing: str, images: Mapping[str, str]) -> PlatformPayload:
    topic = topic_hashtag(ctx)
    return _payload(
        "threads",
        ctx,
        landing,
        [topic] if topic else [],
        link_in_text=landing,
        share_url=lambda text: f"{THREADS_INTENT}?{_query([('text', text)])}",
    )


_BUILDERS: dict[str, Callable[[ShareContext, str, Mapping[str, str]], PlatformPayload]] = {
    "x": _build_x,
    "facebook": _build_facebook,
    "instagram": partial(_build_story, "instagram"),
    "tiktok": partial(_build_story, "tiktok"),
    "whatsapp": _build_whatsapp,
    "telegram": _build_telegram,
    "threads": _build_threads,
}
