"""Per-platform payloads: every limit holds on every input, intent URLs carry the exact text."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from app.share import (
    PLATFORM_LIMITS,
    PLATFORMS,
    PlatformPayload,
    ShareContext,
    build_payloads,
    compose_message,
)
from app.share.platforms import utf16_length

from .factories import IMAGE_URLS, LANDING_URL, LONG_TITLE, SUBJECT_TYPES, make_ctx

MANY_TAGS = tuple(f"#PerpustakaanPalu{word}" for word in ("Baca", "Buku", "Kota", "Anak", "Seru"))


def build(ctx: ShareContext, platforms: tuple[str, ...] = PLATFORMS) -> dict[str, PlatformPayload]:
    return build_payloads(ctx, platforms, LANDING_URL, IMAGE_URLS)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


def text_hashtags(text: str) -> list[str]:
    return re.findall(r"[#\uff03]\w+", text)


def check_payload(p: PlatformPayload, ctx: ShareContext) -> None:
    """Every promise a payload makes, whatever the context."""
    limit = PLATFORM_LIMITS[p.platform]
    assert p.char_limit == limit
    assert p.char_count <= limit
    assert p.link_url == LANDING_URL
    keys = [t.casefold() for t in p.hashtags]
    assert len(keys) == len(set(keys)), p.hashtags
    # The hashtags are whole in the text, and the text has no others.
    assert text_hashtags(p.text) == p.hashtags
    assert p.text == p.text.strip()
    if p.platform == "x":
        weighted = parse_tweet(f"{p.text} {LANDING_URL}").weightedLength
        assert p.char_count == weighted <= 280
        q = query(p.url or "")
        assert q == {"text": [p.text], "url": [LANDING_URL]}
        assert p.url and p.url.startswith("https://twitter.com/intent/tweet?")
    elif p.platform == "facebook":
        assert query(p.url or "") == {"u": [LANDING_URL]}
        assert p.url and p.url.startswith("https://www.facebook.com/sharer/sharer.php?")
        assert p.char_count == utf16_length(p.text)
    elif p.platform == "whatsapp":
        assert query(p.url or "") == {"text": [p.text]}
        assert p.url and p.url.startswith("https://wa.me/?")
        assert p.text.endswith("\n" + LANDING_URL)
    elif p.platform == "telegram":
        assert query(p.url or "") == {"url": [LANDING_URL], "text": [p.text]}
        assert p.url and p.url.startswith("https://t.me/share/url?")
        assert p.char_count == utf16_length(f"{LANDING_URL}\n{p.text}")
    elif p.platform == "threads":
        assert len(p.hashtags) <= 1
        assert query(p.url or "") == {"text": [p.text]}
        assert p.url and p.url.startswith("https://www.threads.net/intent/post?")
        assert p.text.endswith("\n" + LANDING_URL)
        assert p.char_count == utf16_length(p.text) <= 500
    else:  # instagram, tiktok
        assert p.url is None
        assert p.image_url == IMAGE_URLS["story"]
        assert p.instructions
        assert p.char_count == utf16_length(p.text) <= 2200
        if p.platform == "instagram":
            assert len(p.hashtags) <= 5
    # Spaces are %20 so chat apps don't show '+'; nothing is left raw.
    if p.url:
        assert " " not in p.url and "\n" not in p.url and "+" not in urlsplit(p.url).query


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("subject_type", SUBJECT_TYPES)
def test_every_subject_gives_a_payload_per_platform(subject_type: str, language: str) -> None:
    ctx = make_ctx(subject_type, language=language)
    payloads = build(ctx)
    assert list(payloads) == list(PLATFORMS)
    for platform, p in payloads.items():
        assert p.platform == platform
        check_payload(p, ctx)
        assert "Rani" in p.text


def test_a_normal_share_keeps_all_its_hashtags_everywhere_but_threads() -> None:
    ctx = make_ctx("challenge")
    payloads = build(ctx)
    expected = [
        "#PerpustakaanPalu",
        "#TantanganBacaNovember",
        "#LiterasiDigital",
        "#BukuUntukSemua",
    ]
    for platform in ("x", "facebook", "instagram", "tiktok", "whatsapp", "telegram"):
        assert payloads[platform].hashtags == expected, platform
    assert payloads["threads"].hashtags == ["#TantanganBacaNovember"]


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_300_character_title_is_shortened_on_x_never_the_tags_or_link(language: str) -> None:
    ctx = make_ctx(book_title=LONG_TITLE, language=language, challenge_hashtag="#TantanganBaca")
    payloads = build(ctx)
    x = payloads["x"]
    check_payload(x, ctx)
    assert LONG_TITLE not in x.text
    assert "“Kisah Panjang Anak-Anak" in x.text and "…”" in x.text
    assert x.hashtags == [
        "#PerpustakaanPalu",
        "#TantanganBaca",
        "#LiterasiDigital",
        "#BukuUntukSemua",
    ]
    threads = payloads["threads"]
    check_payload(threads, ctx)
    assert LONG_TITLE not in threads.text
    # Platforms with room keep the whole title.
    for platform in ("facebook", "instagram", "tiktok", "whatsapp", "telegram"):
        assert LONG_TITLE in payloads[platform].text, platform


def test_emoji_weigh_double_on_x() -> None:
    ctx = make_ctx(book_title="📚" * 200, display_name="🌸" * 40)
    x = build(ctx, ("x",))["x"]
    check_payload(x, ctx)
    assert x.char_count > len(x.text.replace(LANDING_URL, ""))  # weighted, not code points


def test_many_library_hashtags_are_capped_on_instagram_and_dropped_whole_on_x() -> None:
    ctx = make_ctx(library_hashtags=MANY_TAGS, challenge_hashtag="#TantanganBacaNovember")
    payloads = build(ctx)
    assert payloads["instagram"].hashtags == [
        MANY_TAGS[0],
        "#TantanganBacaNovember",
        "#LiterasiDigital",
        "#BukuUntukSemua",
        MANY_TAGS[1],
    ]
    assert len(payloads["tiktok"].hashtags) == 8
    for p in payloads.values():
        check_payload(p, ctx)


def test_everything_long_at_once_still_fits() -> None:
    ctx = make_ctx(
        display_name="Muhammad Rizky Pratama Ramadhan Saputra 👨‍👩‍👧" * 5,
        library_name="Perpustakaan Umum dan Kearsipan Daerah Kota Palu " * 6,
        book_title=LONG_TITLE * 4,
        book_author="Andrea Hirata " * 20,
        challenge_title="Tantangan Baca Sepanjang Tahun " * 10,
        library_hashtags=(*MANY_TAGS, "#" + "Sangat" * 15),
        challenge_hashtag="#TantanganBacaNovember",
    )
    for p in build(ctx).values():
        check_payload(p, ctx)


def test_platforms_are_given_once_in_the_order_asked() -> None:
    payloads = build(make_ctx(), ("threads", "x", "threads"))
    assert list(payloads) == ["threads", "x"]


def test_instagram_and_tiktok_explain_themselves_in_the_member_s_language() -> None:
    id_ig = build(make_ctx(), ("instagram",))["instagram"]
    en_ig = build(make_ctx(language="en"), ("instagram",))["instagram"]
    assert id_ig.instructions and "Simpan" in id_ig.instructions
    assert en_ig.instructions and "Save" in en_ig.instructions


@pytest.mark.parametrize(
    ("platforms", "landing", "images"),
    [
        (("x", "myspace"), LANDING_URL, IMAGE_URLS),
        (("x",), "/s/Ab3xY9", IMAGE_URLS),
        (("x",), "javascript:alert(1)", IMAGE_URLS),
        (("instagram",), LANDING_URL, {"og": IMAGE_URLS["og"]}),
        (("x",), LANDING_URL, {"story": "story.png"}),
    ],
)
def test_bad_requests_are_refused(
    platforms: tuple[str, ...], landing: str, images: dict[str, str]
) -> None:
    with pytest.raises(ValueError):
        build_payloads(make_ctx(), platforms, landing, images)


# ----------------------------------------------------------------------------- properties

_PIECES = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(
        [
            *"aiueo  AIUEO#@\uff03\u2019“”—\u2013…-_.,!?",
            "📚",
            "👨\u200d👩\u200d👧",
            "🇮🇩",
            "中",
            "é",
            "\u0301",
            "#️⃣",
        ]
    ),
)
_short = st.lists(_PIECES, min_size=1, max_size=60)
# Past every limit, to force shortening: a random stretch repeated (cheap to generate).
_long = st.tuples(_short, st.integers(min_value=5, max_value=40)).map(lambda t: list(t[0]) * t[1])
_words = (_short | _long).map("".join).filter(lambda s: bool(s.strip()))
_tags = st.lists(
    st.text(alphabet=st.sampled_from("abcXYZ09_ éü中"), min_size=1, max_size=40).map(
        lambda s: "#" + s
    ),
    max_size=12,
)


@st.composite
def contexts(draw: st.DrawFn) -> ShareContext:
    subject_type = draw(st.sampled_from(SUBJECT_TYPES))
    words = {
        "display_name": draw(_words),
        "library_name": draw(_words),
        "book_title": draw(_words),
        "book_author": draw(st.none() | _words),
        "badge_name": draw(_words),
        "challenge_title": draw(st.none() | _words),
        "month_label": draw(_words),
    }
    if subject_type == "challenge" and words["challenge_title"] is None:
        words["challenge_title"] = "Tantangan"
    try:
        return make_ctx(
            subject_type,
            language=draw(st.sampled_from(["id", "en"])),
            library_hashtags=tuple(draw(_tags)),
            challenge_hashtag=draw(st.none() | _tags.map(lambda t: t[0] if t else None)),
            pages=draw(st.integers(0, 10**9)),
            points=draw(st.integers(0, 10**9)),
            **words,
        )
    except ValueError:
        # Words that clean down to nothing are refused; that is tested elsewhere.
        reject()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(contexts())
def test_limits_hold_for_any_names_titles_and_hashtags(ctx: ShareContext) -> None:
    for p in build(ctx).values():
        check_payload(p, ctx)


@pytest.mark.parametrize(
    ("platforms", "landing", "images", "says"),
    [
        (
            ("x", "myspace", "orkut"),
            LANDING_URL,
            IMAGE_URLS,
            r"unknown platform\(s\) 'myspace', 'orkut'$",
        ),
        (("x",), "/s/Ab3xY9", IMAGE_URLS, r"^landing_url must be an absolute http\(s\) URL"),
        (("x",), "ftp://bacaquest.id/s/Ab3xY9", IMAGE_URLS, r"^landing_url must be an absolute"),
        (("x",), "https:///s/Ab3xY9", IMAGE_URLS, r"^landing_url must be an absolute"),
        (
            ("x",),
            "https://bacaquest.id/s/Ab 3x",
            IMAGE_URLS,
            r"^landing_url must not contain spaces",
        ),
        (("x",), LANDING_URL, {"og": "og.png"}, r"^image_urls\['og'\] must be an absolute"),
        (("tiktok",), LANDING_URL, {"og": IMAGE_URLS["og"]}, r"^image_urls needs a 'story' image"),
        (("instagram",), LANDING_URL, {"og": IMAGE_URLS["og"]}, r"^image_urls needs a 'story'"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    platforms: tuple[str, ...], landing: str, images: dict[str, str], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        build_payloads(make_ctx(), platforms, landing, images)


def test_plain_http_links_and_platforms_without_a_story_image_are_fine() -> None:
    local = "http://localhost:8000/s/Ab3xY9"
    payloads = build_payloads(make_ctx(), ("x", "whatsapp"), local, {"og": IMAGE_URLS["og"]})
    assert local in payloads["whatsapp"].text


def test_a_message_then_its_hashtags_then_the_link_each_on_its_own_line() -> None:
    ctx = make_ctx()
    wa = build(ctx, ("whatsapp",))["whatsapp"]
    assert wa.hashtags
    message = compose_message(ctx)
    assert wa.text == f"{message}\n\n{' '.join(wa.hashtags)}\n{LANDING_URL}"


def test_threads_drops_its_one_tag_only_when_nothing_else_fits_and_says_when_nothing_does() -> None:
    ctx = make_ctx()
    limit = PLATFORM_LIMITS["threads"]
    kept_tag = dropped = None
    for n in range(100, limit):
        link = "https://bacaquest.id/s/" + "a" * (n - len("https://bacaquest.id/s/"))
        payload = build_payloads(ctx, ("threads",), link, IMAGE_URLS)["threads"]
        assert payload.char_count <= limit
        if payload.hashtags:
            kept_tag = (payload, link)
        else:
            dropped = (payload, link)
            break
    assert kept_tag is not None and dropped is not None
    tagged, link = kept_tag
    assert tagged.text.endswith(f"\n\n{tagged.hashtags[0]}\n{link}")
    bare, link = dropped
    assert bare.text.endswith(f"\n\n{link}") and "#" not in bare.text
    too_long = "https://bacaquest.id/s/" + "a" * limit
    with pytest.raises(ValueError, match=f"cannot fit within {limit} characters"):
        build_payloads(ctx, ("threads",), too_long, IMAGE_URLS)
