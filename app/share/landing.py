"""The public landing page of a share (GET /s/{code}) and its 404/410 pages, from Jinja2."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.share.cards import CARD_SIZES, ink_for, mix
from app.share.wording import APP_NAME, WORDINGS, Language, ShareContext, landing_texts

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

DEFAULT_PRIMARY = "#1E5AA8"
DEFAULT_ACCENT = "#F2A900"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The share pages' Jinja2 environment: autoescaping everywhere, undefined is an error."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _absolute(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {url!r}")
    return url


def _theme(primary: str, accent: str) -> dict[str, str]:
    return {
        "primary_color": primary,
        "accent_color": accent,
        "ink_color": ink_for(primary),
        "accent_ink_color": ink_for(accent),
        "soft_color": mix(primary, "#FFFFFF", 0.9),
    }


def render_landing(
    ctx: ShareContext,
    *,
    url: str,
    image_url: str,
    join_url: str,
    app_url: str | None = None,
) -> str:
    """The landing page HTML for one share.

    ``url`` is the page's own absolute URL (og:url, canonical), ``image_url`` the
    absolute URL of the "og" card (1200x630), ``join_url`` where "join the
    challenge" leads, ``app_url`` an optional app download link.
    """
    _absolute(url, "url")
    _absolute(image_url, "image_url")
    _absolute(join_url, "join_url")
    if app_url is not None:
        _absolute(app_url, "app_url")
    title, description = landing_texts(ctx)
    words = WORDINGS.get(ctx.language)
    strings = words.page
    width, height = CARD_SIZES["og"]
    return (
        environment()
        .get_template("share_landing.html")
        .render(
            lang=ctx.language,
            locale=words.locale,
            app_name=APP_NAME,
            title=title,
            description=description,
            url=url,
            image_url=image_url,
            image_width=width,
            image_height=height,
            image_alt=strings["image_alt"].format(title=title),
            join_url=join_url,
            app_url=app_url,
            invite_title=strings["invite_title"],
            invite=strings["invite"].format(app=APP_NAME, library=ctx.library_name),
            join_label=strings["join_challenge" if ctx.challenge_title else "join"],
            download_label=strings["download"].format(app=APP_NAME),
            library_name=ctx.library_name,
            **_theme(ctx.primary_color, ctx.accent_color),
        )
    )


def render_gone(*, language: Language = "id", home_url: str | None = None) -> str:
    """The 410 page of a share its owner removed; says nothing about what it was."""
    return _render_notice("share_gone.html", language, home_url, "gone")


def render_not_found(*, language: Language = "id", home_url: str | None = None) -> str:
    """The 404 page of an unknown share code."""
    return _render_notice("share_not_found.html", language, home_url, "not_found")


def _render_notice(template: str, language: Language, home_url: str | None, key: str) -> str:
    if language not in WORDINGS:
        raise ValueError(f"language must be one of {', '.join(WORDINGS.languages())}")
    if home_url is not None:
        _absolute(home_url, "home_url")
    strings = WORDINGS.get(language).page
    return (
        environment()
        .get_template(template)
        .render(
            lang=language,
            app_name=APP_NAME,
            title=strings[f"{key}_title"],
            body=strings[f"{key}_body"].format(app=APP_NAME),
            home_url=home_url,
            home_label=strings["home"].format(app=APP_NAME),
            **_theme(DEFAULT_PRIMARY, DEFAULT_ACCENT),
        )
    )


def render_library(
    *,
    language: Language,
    url: str,
    library_name: str,
    hashtags: list[str],
    challenges: list[tuple[str, str, str, str]],
    primary_color: str = DEFAULT_PRIMARY,
    accent_color: str = DEFAULT_ACCENT,
    testimonials: list[tuple[str, int, str]] | None = None,
    referral: str | None = None,
) -> str:
    """A library's public page; `challenges` are (title, hashtag, start, end) of active ones,
    `testimonials` (name, rating, text) what readers agreed to have shown; `referral`: the
    code of the share that led here, for the app's registration."""
    _absolute(url, "url")
    strings = WORDINGS.get(language).library_page
    return (
        environment()
        .get_template("library_landing.html")
        .render(
            lang=language,
            app_name=APP_NAME,
            url=url,
            library_name=library_name,
            title=strings["title"].format(library=library_name),
            description=strings["description"].format(app=APP_NAME),
            challenges_title=strings["challenges"],
            challenges=[
                {"title": t, "hashtag": h, "when": strings["when"].format(start=s, end=e)}
                for t, h, s, e in challenges
            ],
            hashtags=" ".join(hashtags),
            testimonials_title=strings["testimonials"],
            testimonials=[
                {"name": n, "stars": "★" * r + "☆" * (5 - r), "rating": r, "text": t}
                for n, r, t in testimonials or []
            ],
            referral=referral,
            **_theme(primary_color, accent_color),
        )
    )
