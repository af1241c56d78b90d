"""Share texts: the context refuses what must not be shared; both languages read naturally."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.share import compose_message, landing_texts
from app.share.wording import (
    clean_hashtag,
    dedupe_hashtags,
    format_number,
    ordinal_en,
    quantity,
    share_hashtags,
    shorten,
    topic_hashtag,
)

from .factories import LONG_TITLE, SUBJECT_TYPES, make_ctx


@pytest.mark.parametrize("field", ["school", "birth_year", "full_name", "email"])
def test_context_has_no_field_for_personal_details(field: str) -> None:
    with pytest.raises(TypeError):
        make_ctx(**{field: "SD Negeri 1 Palu"})


@pytest.mark.parametrize(
    ("subject_type", "missing"),
    [
        ("badge", "badge_name"),
        ("reading_log", "book_title"),
        ("challenge", "challenge_title"),
        ("challenge", "progress_target"),
        ("leaderboard_rank", "rank"),
        ("leaderboard_rank", "period"),
        ("monthly_summary", "month_label"),
    ],
)
def test_context_needs_what_its_subject_talks_about(subject_type: str, missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        make_ctx(subject_type, **{missing: None})


@pytest.mark.parametrize(
    "overrides",
    [
        {"primary_color": "red;}</style><script>"},
        {"accent_color": "#12345"},
        {"language": "fr"},
        {"display_name": "   "},
        {"pages": -1},
        {"rank": 0},
        {"period": "year"},
    ],
)
def test_context_refuses_bad_values(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_ctx("leaderboard_rank", **overrides)


def test_context_cleans_control_and_bidi_characters() -> None:
    ctx = make_ctx(display_name="Ra\u202eni\x00\n  Putri", book_title="Laskar\tPelangi")
    assert ctx.display_name == "Rani Putri"
    assert ctx.book_title == "Laskar Pelangi"


def test_completed_challenge_needs_no_progress() -> None:
    ctx = make_ctx(
        "challenge", completed=True, progress_current=None, progress_target=None, goal_unit=None
    )
    assert "Tantangan Baca November" in compose_message(ctx)


_ID_WORDS = {
    "badge": "meraih lencana",
    "reading_log": "selesai membaca",
    "challenge": "sudah membaca 7 dari 10 buku",
    "leaderboard_rank": "posisi ke-3",
    "monthly_summary": "Rekap baca",
}
_EN_WORDS = {
    "badge": "just earned the",
    "reading_log": "just finished",
    "challenge": "has read 7 of 10 books",
    "leaderboard_rank": "is 3rd on",
    "monthly_summary": "reading in November 2024",
}


@pytest.mark.parametrize("subject_type", SUBJECT_TYPES)
def test_both_languages_have_their_own_natural_text(subject_type: str) -> None:
    indonesian = make_ctx(subject_type, language="id")
    english = dataclasses.replace(indonesian, language="en")
    id_text, en_text = compose_message(indonesian), compose_message(english)
    assert id_text != en_text
    assert _ID_WORDS[subject_type] in id_text
    assert _EN_WORDS[subject_type] in en_text
    assert "Yuk" in id_text and "BacaQuest" in id_text
    assert "BacaQuest app" in en_text
    for text in (id_text, en_text):
        assert "Rani" in text
        assert "  " not in text and "None" not in text and "{" not in text
    assert landing_texts(indonesian) != landing_texts(english)


def test_texts_use_each_language_s_numbers_and_plurals() -> None:
    assert format_number(1250, "id") == "1.250"
    assert format_number(1250, "en") == "1,250"
    assert quantity(1, "books", "en") == "1 book"
    assert quantity(2, "books", "en") == "2 books"
    assert quantity(2, "books", "id") == "2 buku"
    assert [ordinal_en(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "102nd", "111th",
    ]  # fmt: skip
    ctx = make_ctx("monthly_summary", total_books=1, total_pages=1250, total_minutes=0)
    assert "1 buku dan 1.250 halaman" in compose_message(ctx)
    assert "1 book and 1,250 pages" in compose_message(dataclasses.replace(ctx, language="en"))
    three = make_ctx("monthly_summary")
    assert "4 buku, 812 halaman, dan 960 menit membaca" in compose_message(three)


def test_a_challenge_title_is_not_called_a_challenge_twice() -> None:
    ctx = make_ctx("challenge", completed=True)
    assert "tantangan “Tantangan" not in compose_message(ctx)
    english = make_ctx("challenge", challenge_title="November Reading Challenge", language="en")
    assert "Challenge” challenge" not in compose_message(english)


def test_names_and_titles_cannot_add_hashtags_or_mentions() -> None:
    ctx = make_ctx(display_name="@budi", book_title="#LiterasiDigital ##Baca \uff03Palu C# @ 2")
    text = compose_message(ctx)
    assert "@budi" not in text and "#LiterasiDigital" not in text
    assert "#Baca" not in text and "\uff03Palu" not in text
    assert "C# @ 2" in text


def test_hashtags_are_cleaned_and_never_repeat() -> None:
    assert clean_hashtag("Baca Yuk!") == "#BacaYuk"
    assert clean_hashtag("#123") is None
    assert clean_hashtag("   ") is None
    assert dedupe_hashtags(["#Palu", "#palu", "PALU", "#LiterasiDigital"]) == [
        "#Palu",
        "#LiterasiDigital",
    ]
    ctx = make_ctx(
        library_hashtags=("#PerpustakaanPalu", "#literasidigital", "#perpustakaanpalu"),
        challenge_hashtag="#BUKUUNTUKSEMUA",
    )
    assert share_hashtags(ctx) == ["#PerpustakaanPalu", "#BUKUUNTUKSEMUA", "#LiterasiDigital"]


def test_topic_tag_prefers_the_challenge() -> None:
    assert topic_hashtag(make_ctx("challenge")) == "#TantanganBacaNovember"
    assert topic_hashtag(make_ctx("badge")) == "#PerpustakaanPalu"
    assert topic_hashtag(make_ctx("badge", library_hashtags=())) == "#LiterasiDigital"


def test_shorten_ends_in_an_ellipsis_at_a_word() -> None:
    assert shorten("Laskar Pelangi", 50) == "Laskar Pelangi"
    assert shorten("Laskar Pelangi dan Sang Pemimpi", 20) == "Laskar Pelangi dan…"
    assert shorten("Supercalifragilistic", 6) == "Super…"


def test_shorten_never_splits_an_emoji_or_a_flag() -> None:
    family = "👨\u200d👩\u200d👧"
    cut = shorten("ab" + family + family, 6)
    assert not cut.rstrip("…").endswith("\u200d")
    assert "\u200d…" not in cut
    flags = shorten("🇮🇩🇮🇩🇮🇩", 4)
    assert flags == "🇮🇩…"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300), st.integers(min_value=1, max_value=300))
def test_shorten_stays_within_its_length(text: str, limit: int) -> None:
    out = shorten(text, limit)
    assert len(out) <= limit
    assert out == text or out.endswith("…")


def test_landing_texts_stay_within_og_lengths() -> None:
    ctx = make_ctx(book_title=LONG_TITLE, display_name="Rani " * 40)
    title, description = landing_texts(ctx)
    assert len(title) <= 70 and len(description) <= 200
    assert title.startswith("Rani") and "…" in title


def test_context_is_frozen() -> None:
    ctx = make_ctx()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.display_name = "Someone else"  # type: ignore[misc]
    assert ctx.display_name == make_ctx().display_name  # unchanged by the attempt


def test_a_review_contest_share_speaks_of_reviews_written() -> None:
    going = make_ctx("challenge", goal_unit="reviews", progress_current=2, progress_target=5)
    assert "sudah menulis 2 dari 5 ulasan" in compose_message(going)
    en = dataclasses.replace(going, language="en")
    assert "has written 2 of 5 reviews" in compose_message(en)
    done = dataclasses.replace(going, completed=True, progress_current=5)
    assert "5 ulasan disetujui" in compose_message(done)
    assert "5 reviews approved" in compose_message(dataclasses.replace(done, language="en"))
