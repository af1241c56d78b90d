"""The landing page and its 404/410 pages: Open Graph tags, absolute URLs, escaping."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.share import landing_texts, render_gone, render_landing, render_not_found
from app.share.landing import environment

from .factories import IMAGE_URLS, LANDING_URL, LONG_TITLE, make_ctx

JOIN_URL = "https://bacaquest.id/join/palu"
APP_URL = "https://play.google.com/store/apps/details?id=id.bacaquest&hl=id"


class _Page(HTMLParser):
    """Collects what the tests look at: <html lang>, meta tags, links, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.meta: dict[str, str] = {}
        self.links: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "a":
            self.links.append(a.get("href", ""))
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def landing(**overrides: object) -> str:
    return render_landing(
        make_ctx(**overrides),  # type: ignore[arg-type]
        url=LANDING_URL,
        image_url=IMAGE_URLS["og"],
        join_url=JOIN_URL,
        app_url=APP_URL,
    )


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc)


@pytest.mark.parametrize("language", ["id", "en"])
def test_landing_has_open_graph_and_twitter_tags_with_absolute_urls(language: str) -> None:
    ctx = make_ctx(language=language)
    page = _Page(
        render_landing(ctx, url=LANDING_URL, image_url=IMAGE_URLS["og"], join_url=JOIN_URL)
    )
    title, description = landing_texts(ctx)
    assert page.lang == language
    assert page.meta["og:title"] == title
    assert page.meta["og:description"] == description
    assert page.meta["og:url"] == LANDING_URL
    assert page.meta["og:image"] == IMAGE_URLS["og"]
    assert page.meta["og:image:width"] == "1200" and page.meta["og:image:height"] == "630"
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == IMAGE_URLS["og"]
    for key in ("og:url", "og:image", "twitter:image"):
        assert is_absolute(page.meta[key]), key
    assert all(is_absolute(link) for link in page.links)
    assert JOIN_URL in page.links
    assert page.meta["robots"] == "noindex"
    assert page.scripts == 0


def test_landing_invites_to_join_in_the_member_s_language() -> None:
    id_page = _Page(landing())
    en_page = _Page(landing(language="en"))
    assert "Gabung sekarang" in id_page.text
    assert "Join now" in en_page.text
    challenge = _Page(landing(challenge_title="Tantangan Baca November"))
    assert "Ikut tantangannya" in challenge.text
    assert APP_URL in id_page.links
    assert any("Perpustakaan Umum Kota Palu" in t for t in id_page.text)


def test_app_link_is_optional() -> None:
    html = render_landing(
        make_ctx(), url=LANDING_URL, image_url=IMAGE_URLS["og"], join_url=JOIN_URL
    )
    assert _Page(html).links == [JOIN_URL]


@pytest.mark.parametrize(
    "name",
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "Rani & 'Budi'"],
)
def test_names_and_titles_are_escaped(name: str) -> None:
    html = landing(display_name=name, book_title=name, library_name=name)
    page = _Page(html)
    assert "<script>" not in html and "<img src=x" not in html
    assert page.scripts == 0
    assert page.images == [IMAGE_URLS["og"]]
    # Escaped, not dropped: the browser shows exactly the name.
    assert page.meta["og:title"].startswith(name[:20])
    assert any(name in t for t in page.text)  # the header names the library in full


def test_escaping_is_on_in_the_environment() -> None:
    env = environment()
    assert env.autoescape is True
    assert "&lt;b&gt;" in env.from_string("{{ x }}").render(x="<b>")


def test_long_titles_keep_og_text_short() -> None:
    page = _Page(landing(book_title=LONG_TITLE))
    assert len(page.meta["og:title"]) <= 70
    assert len(page.meta["og:description"]) <= 200


def test_query_strings_in_urls_are_escaped_in_attributes() -> None:
    html = landing()
    assert "details?id=id.bacaquest&amp;hl=id" in html
    assert _Page(html).links[-1] == APP_URL


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "/s/Ab3xY9"},
        {"image_url": "//bacaquest.id/img.png"},
        {"join_url": "javascript:alert(1)"},
    ],
)
def test_relative_or_script_urls_are_refused(kwargs: dict[str, str]) -> None:
    args = {"url": LANDING_URL, "image_url": IMAGE_URLS["og"], "join_url": JOIN_URL, **kwargs}
    with pytest.raises(ValueError):
        render_landing(make_ctx(), **args)


@pytest.mark.parametrize(
    ("render", "id_title", "en_title"),
    [
        (render_gone, "Tautan ini sudah dihapus", "This share was removed"),
        (render_not_found, "Halaman tidak ditemukan", "Page not found"),
    ],
)
def test_gone_and_not_found_pages(render: Callable[..., str], id_title: str, en_title: str) -> None:
    id_page = _Page(render(language="id", home_url="https://bacaquest.id/"))
    en_page = _Page(render(language="en"))
    assert id_page.lang == "id" and en_page.lang == "en"
    assert id_title in id_page.text and en_title in en_page.text
    assert id_page.links == ["https://bacaquest.id/"] and en_page.links == []
    assert "og:title" not in id_page.meta  # nothing of the removed share is shown
    assert id_page.meta["robots"] == "noindex"
