"""The public landing page of a share (GET /s/{code}) and its 404/410 pages, from Jinja2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.core.text import MONTHS_EN, MONTHS_ID
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


@dataclass(frozen=True, slots=True)
class AppLinks:
    """Where a library's members get the app: its store pages (either may be unset)."""

    play_store: str | None = None
    app_store: str | None = None


def long_date(day: date, language: Language) -> str:
    """A date as people write it: "1 Desember 2026" (Indonesian), "1 December 2026"."""
    months = MONTHS_EN if language == "en" else MONTHS_ID
    return f"{day.day} {months[day.month - 1]} {day.year}"


def store_links(links: AppLinks, language: Language, referral: str | None) -> list[dict[str, str]]:
    """The download buttons. Google Play hands its `referrer` to the app at first start,
    so a member who installs from a share signs up with the share's code."""
    strings = WORDINGS.get(language).page
    out = []
    if links.play_store:
        url = _absolute(links.play_store, "play_store")
        if referral:
            joiner = "&" if urlsplit(url).query else "?"
            url = f"{url}{joiner}{urlencode({'referrer': f'ref={referral}'})}"
        out.append({"label": strings["play_store"], "url": url, "store": "google-play"})
    if links.app_store:
        out.append(
            {
                "label": strings["app_store"],
                "url": _absolute(links.app_store, "app_store"),
                "store": "app-store",
            }
        )
    return out


def render_landing(
    ctx: ShareContext,
    *,
    url: str,
    image_url: str,
    join_url: str,
    app_url: str | None = None,
    app_links: AppLinks | None = None,
    referral: str | None = None,
) -> str:
    """The landing page HTML for one share.

    ``url`` is the page's own absolute URL (og:url, canonical), ``image_url`` the
    absolute URL of the "og" card (1200x630), ``join_url`` where "join the
    challenge" leads, ``app_url`` an optional app download link, ``app_links`` the
    library's store pages and ``referral`` the share's code they carry.
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
    downloads = store_links(app_links or AppLinks(), ctx.language, referral)
    if app_url is not None and not downloads:
        downloads = [
            {"label": strings["download"].format(app=APP_NAME), "url": app_url, "store": ""}
        ]
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
            downloads=downloads,
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
    return _render_notice(language, home_url, "gone")


def render_not_found(*, language: Language = "id", home_url: str | None = None) -> str:
    """The 404 page of an unknown share code."""
    return _render_notice(language, home_url, "not_found")


def _render_notice(language: Language, home_url: str | None, key: str) -> str:
    if language not in WORDINGS:
        raise ValueError(f"language must be one of {', '.join(WORDINGS.languages())}")
    if home_url is not None:
        _absolute(home_url, "home_url")
    strings = WORDINGS.get(language).page
    return (
        environment()
        .get_template("share_notice.html")
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


@dataclass(frozen=True, slots=True)
class ChallengeLine:
    title: str
    hashtag: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class ReaderLine:
    """One of the top readers: `nickname` None shows them as an anonymous reader."""

    rank: int
    nickname: str | None
    points: int


def render_library(
    *,
    language: Language,
    url: str,
    library_name: str,
    hashtags: list[str],
    challenges: Sequence[ChallengeLine],
    primary_color: str = DEFAULT_PRIMARY,
    accent_color: str = DEFAULT_ACCENT,
    testimonials: list[tuple[str, int, str]] | None = None,
    readers: Sequence[ReaderLine] = (),
    app_links: AppLinks | None = None,
    referral: str | None = None,
) -> str:
    """A library's public page: its challenges of the month, its top readers (whom the
    caller chose: never children for anonymous visitors), `testimonials` (name, rating,
    text) readers agreed to have shown, the app's store links and sign-up; `referral`:
    the code of the share that led here, carried to the sign-up."""
    _absolute(url, "url")
    words = WORDINGS.get(language)
    strings = words.library_page
    points = strings["points"]
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
                {
                    "title": c.title,
                    "hashtag": c.hashtag,
                    "when": strings["when"].format(
                        start=long_date(c.starts_on, language), end=long_date(c.ends_on, language)
                    ),
                }
                for c in challenges
            ],
            readers_title=strings["readers"],
            readers=[
                {
                    "rank": r.rank,
                    "name": r.nickname or strings["anonymous"],
                    "points": points.format(points=words.number(r.points)),
                }
                for r in readers
            ],
            hashtags=" ".join(hashtags),
            testimonials_title=strings["testimonials"],
            testimonials=[
                {"name": n, "stars": "★" * r + "☆" * (5 - r), "rating": r, "text": t}
                for n, r, t in testimonials or []
            ],
            signup_title=strings["signup_title"],
            signup=strings["signup"].format(app=APP_NAME, library=library_name),
            downloads=store_links(app_links or AppLinks(), language, referral),
            invite_code=words.page["invite_code"],
            referral=referral,
            **_theme(primary_color, accent_color),
        )
    )
