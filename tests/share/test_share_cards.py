"""Share cards: exact sizes, under 300 KB, text wrapped inside the card, any characters."""

from __future__ import annotations

import dataclasses
import itertools
from io import BytesIO

import pytest
from PIL import Image

from app.share import CARD_FORMATS, CARD_MAX_BYTES, CARD_SIZES, render_card
from app.share.cards import (
    ICONS,
    contrast,
    drawable,
    has_glyph,
    icon_name,
    ink_for,
    layout_card,
)

from .factories import LONG_TITLE, SUBJECT_TYPES, make_ctx

EXPECTED_SIZES = {"story": (1080, 1920), "square": (1080, 1080), "og": (1200, 630)}


def open_png(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", CARD_FORMATS)
def test_cards_have_their_size_and_stay_under_300_kb_with_a_very_long_title(fmt: str) -> None:
    ctx = make_ctx(
        book_title=LONG_TITLE * 3,
        book_author="Andrea Hirata " * 10,
        display_name="Muhammad Rizky Pratama Ramadhan Saputra 🚀" * 3,
        library_name="Perpustakaan Umum dan Kearsipan Daerah Kota Palu " * 3,
    )
    data = render_card(ctx, fmt)
    image = open_png(data)
    assert image.format == "PNG"
    assert image.size == EXPECTED_SIZES[fmt] == CARD_SIZES[fmt]
    assert len(data) < CARD_MAX_BYTES <= 300_000


@pytest.mark.parametrize(("subject_type", "fmt"), itertools.product(SUBJECT_TYPES, CARD_FORMATS))
def test_every_subject_renders_in_every_format(subject_type: str, fmt: str) -> None:
    data = render_card(make_ctx(subject_type, language="en"), fmt)
    image = open_png(data)
    assert image.size == EXPECTED_SIZES[fmt]
    assert len(data) < CARD_MAX_BYTES


def _inside(box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    x0, y0, x1, y1 = box
    return 0 <= x0 <= x1 <= size[0] and 0 <= y0 <= y1 <= size[1]


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("fmt", CARD_FORMATS)
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"book_title": LONG_TITLE * 4},
        {"book_title": "X" * 400},  # one "word" wider than the card
        {"display_name": "Rani " * 80, "book_author": "Pramoedya " * 50},
        {"library_name": "Perpustakaan " * 30, "library_hashtags": ("#" + "Palu" * 30,)},
    ],
)
def test_text_stays_inside_the_card_and_never_overlaps(
    fmt: str, overrides: dict[str, object]
) -> None:
    layout = layout_card(make_ctx(**overrides), fmt)  # type: ignore[arg-type]
    boxes = [line.bbox for line in layout.lines]
    assert boxes
    for line in layout.lines:
        assert _inside(line.bbox, layout.size), line
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)
    # The name, the figure and the hashtag are always there.
    texts = " ".join(line.text for line in layout.lines)
    assert "Rani"[:3] in texts or "Sobat" in texts
    assert "halaman" in texts
    assert "#" in texts


@pytest.mark.parametrize("subject_type", SUBJECT_TYPES)
def test_everything_long_at_once_still_lays_out_inside_the_card(subject_type: str) -> None:
    very_long = LONG_TITLE * 3
    ctx = make_ctx(
        subject_type,
        display_name="Rani " * 80,
        book_title=very_long,
        book_author=very_long,
        badge_name=very_long,
        challenge_title=very_long,
        library_name=very_long,
        month_label=very_long,
        library_hashtags=("#" + "Palu" * 24,),
        challenge_hashtag="#" + "Baca" * 24,
    )
    for fmt in CARD_FORMATS:
        layout = layout_card(ctx, fmt)
        for line in layout.lines:
            assert _inside(line.bbox, layout.size), (fmt, line)
        for a, b in itertools.combinations([line.bbox for line in layout.lines], 2):
            assert not _overlap(a, b), (fmt, a, b)
        texts = [line.text for line in layout.lines]
        assert any(t.startswith("Rani") for t in texts), fmt
        # A hashtag is wrapped whole, never cut with an ellipsis.
        tag = "#" + "Baca" * 24
        start = next(i for i, t in enumerate(texts) if t.startswith("#"))
        assert "".join(texts[start : start + 2]).startswith(tag), fmt
        if layout.progress is not None:
            bar = layout.progress[0]
            assert _inside(bar, layout.size)
            assert not any(_overlap(bar, line.bbox) for line in layout.lines)


def test_the_card_hashtag_is_one_the_font_draws_whole() -> None:
    ctx = make_ctx("challenge", challenge_hashtag="#Baca中", library_hashtags=("#Palué",))
    texts = [line.text for line in layout_card(ctx, "og").lines]
    assert "#LiterasiDigital" in texts
    assert not any(t.startswith("#Baca") or t.startswith("#Palu") for t in texts)


def test_a_moderately_long_title_shrinks_instead_of_being_cut() -> None:
    title = "Bumi Manusia: Sebuah Roman tentang Minke dan Annelies di Tanah Hindia"
    for fmt in CARD_FORMATS:
        layout = layout_card(make_ctx(book_title=title), fmt)
        sizes = {line.size for line in layout.lines}
        headline = [line for line in layout.lines if line.text in title]
        assert " ".join(line.text for line in headline) == title, fmt
        assert "…" not in " ".join(line.text for line in layout.lines)
        assert len(sizes) > 1


def test_an_endless_title_ends_in_an_ellipsis() -> None:
    layout = layout_card(make_ctx(book_title=LONG_TITLE * 4), "square")
    assert any(line.text.endswith("…") for line in layout.lines)


def test_characters_the_font_lacks_are_left_out_not_crashed_on() -> None:
    assert has_glyph("a") and has_glyph("“")
    assert not has_glyph("😀") and not has_glyph("中")
    assert drawable("Zoë 😀 小明 — Ñandú") == "Zoe - Nandu"
    ctx = make_ctx(
        display_name="小明 😀",  # nothing drawable: a friendly stand-in is shown
        book_title="👨‍👩‍👧 三体 \u202e\u0301",
        book_author="Лев Толстой",
    )
    for fmt in CARD_FORMATS:
        layout = layout_card(ctx, fmt)
        texts = [line.text for line in layout.lines]
        assert "Sobat BacaQuest" in texts
        assert "Sebuah buku seru" in texts
        assert all(drawable(t) == t for t in texts)
        assert open_png(render_card(ctx, fmt)).size == EXPECTED_SIZES[fmt]


@pytest.mark.parametrize("icon", [*ICONS, "no-such-icon", None])
def test_every_badge_icon_draws(icon: str | None) -> None:
    ctx = make_ctx("badge", badge_icon=icon)
    assert icon_name(ctx) in ICONS
    image = open_png(render_card(ctx, "square")).convert("RGB")
    layout = layout_card(ctx, "square")
    cx, cy = layout.icon_center
    # The icon's disc is in the accent colour (#F2A900) somewhere near its centre.
    near = {image.getpixel((cx + dx, cy + dy)) for dx in range(-90, 91, 6) for dy in (-100, 100)}
    assert (0xF2, 0xA9, 0x00) in near


def test_cards_are_drawn_in_the_library_s_colours() -> None:
    ctx = make_ctx(primary_color="#0B6E4F", accent_color="#FFD166")
    image = open_png(render_card(ctx, "og")).convert("RGB")
    colours = {c for _, c in image.getcolors(maxcolors=1 << 16) or []}
    assert (0x0B, 0x6E, 0x4F) in colours and (0xFF, 0xD1, 0x66) in colours


def test_text_colour_reads_on_light_and_dark_backgrounds() -> None:
    assert ink_for("#FFFFFF") != ink_for("#000000")
    for background in ("#1E5AA8", "#F4E1C1", "#FFD166", "#222222"):
        assert contrast(ink_for(background), background) >= 4.5
    light = make_ctx(primary_color="#F4E1C1")
    assert layout_card(light, "og").ink == "#1A1A1A"


def test_challenge_progress_draws_a_bar() -> None:
    layout = layout_card(make_ctx("challenge"), "story")
    assert layout.progress is not None
    (x0, _, x1, _), fraction = layout.progress
    assert fraction == pytest.approx(0.7) and x1 > x0
    assert layout_card(make_ctx("badge"), "story").progress is None


def test_same_context_same_png() -> None:
    ctx = make_ctx("monthly_summary")
    assert render_card(ctx, "og") == render_card(dataclasses.replace(ctx), "og")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        render_card(make_ctx(), "banner")
