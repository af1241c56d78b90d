"""The words of one share, in its language: the post, the landing page's title and
description (within their limits), and the words on its image cards."""

from __future__ import annotations

from dataclasses import dataclass

from app.share.wording.catalogue import WORDINGS, Unit, Wording
from app.share.wording.context import APP_NAME, ShareContext, progress_percent
from app.share.wording.fitting import Fields, fit_text, longest_field, shorten
from app.share.wording.hashtags import dedupe_hashtags, share_hashtags, topic_hashtag

LANDING_TITLE_CHARS = 70
LANDING_DESCRIPTION_CHARS = 200


def wording_of(language: str) -> Wording:
    return WORDINGS.get(language)


def format_number(n: int, language: str) -> str:
    """1.250 in Indonesian, 1,250 in English."""
    return wording_of(language).number(n)


def quantity(n: int, unit: Unit, language: str) -> str:
    """ "3 buku" / "3 books", "1 page", "+50 poin" without the plus."""
    return wording_of(language).quantity(n, unit)


def compose_message(
    ctx: ShareContext, *, max_field_chars: int | None = None, invitation: bool = True
) -> str:
    """The post's words without hashtags or link, in the context's language.

    Every variable field (names, titles) is cut to ``max_field_chars`` with an
    ellipsis when given; ``invitation`` adds the call to join the library.
    """
    words = wording_of(ctx.language)
    f = Fields(ctx, max_field_chars)
    text = words.message(ctx, f)
    if invitation:
        text += " " + words.invitation(ctx, f, text)
    return text


def landing_texts(ctx: ShareContext) -> tuple[str, str]:
    """(og:title, og:description) for the landing page, within 70 and 200 characters."""
    words = wording_of(ctx.language)
    longest = longest_field(ctx)
    title = fit_text(
        lambda cap: words.headline(ctx, Fields(ctx, cap, defuse=False)),
        len,
        LANDING_TITLE_CHARS,
        longest=longest,
    )
    # The page has its own invitation: the description keeps it only while names stay whole.
    description = fit_text(
        lambda cap: compose_message(ctx, max_field_chars=cap, invitation=True),
        len,
        LANDING_DESCRIPTION_CHARS,
        min_chars=max(1, longest),
        longest=longest,
    ) or fit_text(
        lambda cap: compose_message(ctx, max_field_chars=cap, invitation=False),
        len,
        LANDING_DESCRIPTION_CHARS,
        longest=longest,
    )
    if description is None:
        description = shorten(
            compose_message(ctx, max_field_chars=1, invitation=False), LANDING_DESCRIPTION_CHARS
        )
    if title is None:
        title = shorten(words.headline(ctx, Fields(ctx, 1, defuse=False)), LANDING_TITLE_CHARS)
    return title, description


@dataclass(frozen=True, slots=True)
class CardTexts:
    """The words on an image card; the card shrinks or wraps them, never the other way."""

    kicker: str
    headline: str
    subline: str | None
    name: str
    figure: str | None
    hashtags: tuple[str, ...]  # the one to show first: the topic tag, then the others
    library: str
    progress: float | None = None  # 0..1 for a challenge in progress
    footer: str = APP_NAME


def card_texts(ctx: ShareContext) -> CardTexts:
    """What each card says: a short kicker, the big headline, the name and the figure."""
    words = wording_of(ctx.language)
    f = Fields(ctx, None, defuse=False)
    subline: str | None = None
    figure: str | None = None
    progress: float | None = None
    points = f"+{words.quantity(ctx.points, 'points')}" if ctx.points else None
    match ctx.subject_type:
        case "badge":
            headline = f("badge_name")
            figure = points
            subline = f("challenge_title") or None
        case "reading_log":
            headline = f("book_title")
            author = f("book_author")
            subline = words.card_author(author) if author else None
            if ctx.pages:
                figure = words.quantity(ctx.pages, "pages")
            elif ctx.minutes:
                figure = words.quantity(ctx.minutes, "minutes")
            else:
                figure = points
        case "challenge":
            headline = f("challenge_title")
            if ctx.completed:
                if ctx.progress_target and ctx.goal_unit:
                    figure = words.quantity(ctx.progress_target, ctx.goal_unit)
                else:
                    figure = points
                progress = 1.0
            else:
                unit, goal = words.goal(ctx)
                current = words.number(ctx.progress_current or 0)
                figure = words.card_progress(current, words.quantity(goal, unit))
                progress = progress_percent(ctx) / 100
        case "leaderboard_rank":
            headline = f("challenge_title") or f("library_name")
            figure = words.card_rank(ctx.rank or 1)
            subline = words.quantity(ctx.points, "points") if ctx.points else None
        case _:
            headline = f("month_label")
            parts = words.summary_parts(ctx)
            figure = " · ".join(parts) if parts else None
    topic = topic_hashtag(ctx)
    return CardTexts(
        kicker=words.card_kicker(ctx),
        headline=headline,
        subline=subline,
        name=f("display_name"),
        figure=figure,
        hashtags=tuple(dedupe_hashtags([topic or "", *share_hashtags(ctx)])),
        library=f("library_name"),
        progress=progress,
    )
