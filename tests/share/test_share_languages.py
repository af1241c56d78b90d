"""A language for shares is one catalogue: registering a `Wording` is all it takes for
posts, cards and the share pages to speak it."""

from __future__ import annotations

import pytest

from app.share import build_payloads, card_texts, compose_message, render_gone, render_landing
from app.share.wording import WORDINGS
from app.share.wording.languages.id import Indonesian
from tests.share.factories import IMAGE_URLS, LANDING_URL, make_ctx


class Javanese(Indonesian):
    """A test catalogue: Indonesian sentences, a few Javanese words where they differ."""

    language = "jv"
    locale = "jv_ID"
    page = {**Indonesian.page, "gone_title": "Tautan iki wis dibusak"}

    def card_kicker(self, ctx):  # type: ignore[no-untyped-def]
        return "Lencana anyar!" if ctx.subject_type == "badge" else super().card_kicker(ctx)

    def invitation(self, ctx, f, message):  # type: ignore[no-untyped-def]
        return "Ayo maca bareng ing aplikasi BacaQuest!"


@pytest.fixture
def javanese():
    WORDINGS.register("jv", Javanese())
    yield
    WORDINGS.unregister("jv")


def test_a_registered_catalogue_is_spoken_everywhere(javanese):
    ctx = make_ctx("badge", language="jv")
    assert compose_message(ctx).endswith("Ayo maca bareng ing aplikasi BacaQuest!")
    assert card_texts(ctx).kicker == "Lencana anyar!"
    payloads = build_payloads(ctx, ["x", "instagram"], LANDING_URL, IMAGE_URLS)
    assert "Ayo maca bareng" in payloads["x"].text
    page = render_landing(ctx, url=LANDING_URL, image_url=IMAGE_URLS["og"], join_url=LANDING_URL)
    assert 'lang="jv"' in page
    assert "jv_ID" in page
    assert "Tautan iki wis dibusak" in render_gone(language="jv")


def test_a_language_without_a_catalogue_is_refused():
    assert "jv" not in WORDINGS
    with pytest.raises(ValueError, match="language"):
        make_ctx("badge", language="jv")
    with pytest.raises(ValueError, match="language"):
        render_gone(language="jv")


def test_the_shipped_catalogues_are_indonesian_and_english():
    assert WORDINGS.languages()[:2] == ("id", "en")
    for language in ("id", "en"):
        words = WORDINGS.get(language)
        assert set(words.page) == set(WORDINGS.get("id").page)
        assert set(words.library_page) == set(WORDINGS.get("id").library_page)
        assert set(words.instructions) == {"instagram", "tiktok"}
