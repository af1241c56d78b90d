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
from app.share.texts import APP_NAME, Language, ShareContext, landing_texts

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

DEFAULT_PRIMARY = "#1E5AA8"
DEFAULT_ACCENT = "#F2A900"

_STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "locale": "id_ID",
        "invite_title": "Mau ikut membaca?",
        "invite": (
            "Unduh aplikasi {app}, gabung dengan {library}, dan kumpulkan poin serta "
            "lencana dari setiap buku yang kamu baca."
        ),
        "join_challenge": "Ikut tantangannya",
        "join": "Gabung sekarang",
        "download": "Unduh aplikasi {app}",
        "play_store": "Unduh di Google Play",
        "app_store": "Unduh di App Store",
        "invite_code": "Kode undangan saat mendaftar:",
        "image_alt": "Kartu pencapaian: {title}",
        "gone_title": "Tautan ini sudah dihapus",
        "gone_body": (
            "Pemiliknya sudah menghapus tautan ini. Tapi petualangan membaca tetap "
            "terbuka untuk semua — yuk, mulai membaca bersama perpustakaan kotamu!"
        ),
        "not_found_title": "Halaman tidak ditemukan",
        "not_found_body": (
            "Tautan ini tidak kami kenal. Mungkin ada salah ketik? Yuk, mulai membaca "
            "bersama perpustakaan kotamu di {app}."
        ),
        "home": "Ke {app}",
    },
    "en": {
        "locale": "en_US",
        "invite_title": "Want to join in?",
        "invite": (
            "Download the {app} app, join {library}, and earn points and badges for "
            "every book you read."
        ),
        "join_challenge": "Join the challenge",
        "join": "Join now",
        "download": "Get the {app} app",
        "play_store": "Get it on Google Play",
        "app_store": "Download on the App Store",
        "invite_code": "Invitation code when you sign up:",
        "image_alt": "Achievement card: {title}",
        "gone_title": "This share was removed",
        "gone_body": (
            "Its owner removed this link. Reading adventures are still open to "
            "everyone, so start reading with your city library!"
        ),
        "not_found_title": "Page not found",
        "not_found_body": (
            "We don't know this link. Maybe a typo? Start reading with your city library on {app}."
        ),
        "home": "Go to {app}",
    },
}


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
    strings = _STRINGS[language]
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
    strings = _STRINGS[ctx.language]
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
            locale=strings["locale"],
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
    return _render_notice("share_gone.html", language, home_url, "gone")


def render_not_found(*, language: Language = "id", home_url: str | None = None) -> str:
    """The 404 page of an unknown share code."""
    return _render_notice("share_not_found.html", language, home_url, "not_found")


def _render_notice(template: str, language: Language, home_url: str | None, key: str) -> str:
    if language not in _STRINGS:
        raise ValueError("language must be 'id' or 'en'")
    if home_url is not None:
        _absolute(home_url, "home_url")
    strings = _STRINGS[language]
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


_LIBRARY_STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Ayo membaca bersama {library}",
        "description": (
            "Catat bacaanmu di aplikasi {app}, kumpulkan poin dan lencana, dan ikuti "
            "tantangan membaca bulanan perpustakaan."
        ),
        "challenges": "Tantangan bulan ini",
        "when": "{start} s.d. {end}",
        "readers": "Pembaca teratas bulan ini",
        "points": "{points} poin",
        "testimonials": "Kata pembaca",
        "signup_title": "Daftar dan mulai membaca",
        "signup": (
            "Unduh aplikasi {app}, pilih {library} saat mendaftar, dan catat buku "
            "pertamamu hari ini."
        ),
        "anonymous": "Pembaca",
    },
    "en": {
        "title": "Read with {library}",
        "description": (
            "Log your reading in the {app} app, earn points and badges, and join the "
            "library's monthly reading challenges."
        ),
        "challenges": "This month's challenges",
        "when": "{start} to {end}",
        "readers": "Top readers this month",
        "points": "{points} points",
        "testimonials": "What readers say",
        "signup_title": "Sign up and start reading",
        "signup": (
            "Download the {app} app, choose {library} when you sign up, and log your "
            "first book today."
        ),
        "anonymous": "Reader",
    },
}


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
    strings = _LIBRARY_STRINGS[language]
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
                    "points": points.format(points=f"{r.points:,}".replace(",", "."))
                    if language == "id"
                    else points.format(points=f"{r.points:,}"),
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
            invite_code=_STRINGS[language]["invite_code"],
            referral=referral,
            **_theme(primary_color, accent_color),
        )
    )
