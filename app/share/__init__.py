"""Sharing achievements: social texts per platform, landing pages and image cards (pure)."""

from app.share.cards import CARD_FORMATS, CARD_MAX_BYTES, CARD_SIZES, render_card
from app.share.landing import render_gone, render_landing, render_library, render_not_found
from app.share.platforms import PLATFORM_LIMITS, PLATFORMS, PlatformPayload, build_payloads
from app.share.wording import ShareContext, card_texts, compose_message, landing_texts

__all__ = [
    "CARD_FORMATS",
    "CARD_MAX_BYTES",
    "CARD_SIZES",
    "PLATFORMS",
    "PLATFORM_LIMITS",
    "PlatformPayload",
    "ShareContext",
    "build_payloads",
    "card_texts",
    "compose_message",
    "landing_texts",
    "render_card",
    "render_gone",
    "render_landing",
    "render_library",
    "render_not_found",
]
