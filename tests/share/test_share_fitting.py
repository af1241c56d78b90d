"""How a share gives way as room runs out, step by step (the order in app.share.platforms).

A WhatsApp share carries its link in the text, so a longer link leaves less room for the
words: walking the link's length one character at a time walks every budget, and each
text must be the richest the rules allow at that budget.
"""

from __future__ import annotations

import pytest

from app.share import PLATFORM_LIMITS, ShareContext, build_payloads, compose_message
from app.share.platforms import utf16_length
from app.share.wording import share_hashtags

from .factories import IMAGE_URLS, LONG_TITLE, make_ctx

BASE = "https://bacaquest.id/s/"
LIMIT = PLATFORM_LIMITS["whatsapp"]
CORE = 4  # the library's main tag, the challenge's, the two general ones


def long_challenge() -> ShareContext:
    return make_ctx(
        "challenge",
        challenge_title=LONG_TITLE,
        library_hashtags=("#PerpustakaanPalu", "#PaluMembaca", "#LiterasiSulteng"),
    )


def caps_of(ctx: ShareContext) -> dict[str, tuple[bool, int | None]]:
    """Each message the context can give -> (with the invitation, the largest cap giving it)."""
    longest = max(len(LONG_TITLE), 100)
    out: dict[str, tuple[bool, int | None]] = {}
    for invitation in (True, False):
        for cap in range(1, longest):
            out[compose_message(ctx, max_field_chars=cap, invitation=invitation)] = (
                invitation,
                cap,
            )
        out[compose_message(ctx, invitation=invitation)] = (invitation, None)
    return out


def layout(message: str, tags: list[str], link: str) -> str:
    return f"{message}\n\n{' '.join(tags)}\n{link}" if tags else f"{message}\n\n{link}"


def walk(ctx: ShareContext) -> list[tuple[str, list[str], str, bool, int | None]]:
    """(link, tags kept, text, invitation, cap) for every link length until nothing fits."""
    caps = caps_of(ctx)
    seen = []
    for n in range(1, LIMIT):
        link = BASE + "a" * n
        try:
            p = build_payloads(ctx, ("whatsapp",), link, IMAGE_URLS)["whatsapp"]
        except ValueError as e:
            assert f"cannot fit within {LIMIT} characters" in str(e)
            break
        assert type(p.char_count) is int
        assert p.char_count == utf16_length(p.text) <= LIMIT
        message = p.text.removesuffix(layout("", p.hashtags, link))
        assert p.text == layout(message, p.hashtags, link)  # the tags and link never cut
        assert message in caps, p.text
        invitation, cap = caps[message]
        seen.append((link, p.hashtags, p.text, invitation, cap))
    else:
        pytest.fail("a link as long as the limit still fitted")
    return seen


def test_a_share_gives_way_in_order_and_keeps_all_it_can_at_every_length() -> None:
    ctx = long_challenge()
    every_tag = share_hashtags(ctx)
    assert len(every_tag) == CORE + 2
    seen = walk(ctx)
    for link, kept, _text, invitation, cap in seen:
        assert kept == every_tag[: len(kept)]  # dropped from the end, never reordered
        if invitation:  # the invitation goes before names go under 60 characters
            assert cap is None or cap >= 60
        if cap is not None and cap < 40:  # extra tags go before names go under 40
            assert len(kept) <= CORE
        if cap is not None and cap < 24:  # all tags but one go before names go under 24
            assert len(kept) <= 1
        if cap is not None:  # names are cut only as far as needed: one more doesn't fit
            richer = compose_message(ctx, max_field_chars=cap + 1, invitation=invitation)
            assert utf16_length(layout(richer, kept, link)) > LIMIT
    steps = {(inv, len(kept), cap) for _, kept, _, inv, cap in seen}
    assert (True, CORE + 2, None) in steps  # room for everything at first
    assert any(inv and cap is not None for inv, _, cap in steps)  # the invitation, shortened
    assert any(not inv and n == CORE + 2 for inv, n, _ in steps)  # then without it
    assert any(n == CORE and cap is not None and 24 <= cap < 40 for _, n, cap in steps)
    assert any(n == 1 and cap is not None and cap < 24 for _, n, cap in steps)
    assert (False, 1, 1) in steps  # the last tag stays while a name can still be "…"
    assert (False, 0, 1) in steps  # and goes only when nothing else fits
