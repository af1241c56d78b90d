"""Live previews for staff: the real share card (PNG) and the real platform texts.

A preview is the card and posts a reader half-way through the challenge would
share, made by the same code (app.share) that makes real shares.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.models.challenge import Goal
from app.models.library import Hashtag, Library
from app.models.types import HexColor, Title
from app.share import ShareContext, build_payloads, render_card

PREVIEW_PLATFORMS = ("x", "instagram", "whatsapp")
SAMPLE_READER = {"id": "Pembaca", "en": "Reader"}
SAMPLE_CODE = "contoh"


class CardPreview(BaseModel):
    """What a preview may be asked for; anything missing takes a neutral value."""

    model_config = ConfigDict(extra="ignore")

    title: Title = "Tantangan Baca"
    hashtag: Hashtag | None = None
    goal: Goal = "books"
    target: int = Field(default=10, ge=1, le=1_000_000)
    primary_color: HexColor | None = None
    accent_color: HexColor | None = None


def parse(raw: dict[str, str]) -> CardPreview:
    """The preview asked for, falling back field by field while staff are still typing."""
    values = {k: v for k, v in raw.items() if v not in ("", None)}
    try:
        return CardPreview.model_validate(values)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return CardPreview.model_validate({k: v for k, v in values.items() if k not in bad})


def context(lib: Library, wanted: CardPreview, language: str) -> ShareContext:
    target = wanted.target
    return ShareContext(
        subject_type="challenge",
        display_name=SAMPLE_READER.get(language, "Pembaca"),
        library_name=lib.name,
        language="en" if language == "en" else "id",
        library_hashtags=tuple(lib.hashtags),
        challenge_hashtag=wanted.hashtag,
        challenge_title=wanted.title,
        progress_current=target // 2,
        progress_target=target,
        goal_unit=wanted.goal,
        primary_color=wanted.primary_color or lib.primary_color,
        accent_color=wanted.accent_color or lib.accent_color,
    )


def card_png(lib: Library, wanted: CardPreview, language: str, fmt: str = "square") -> bytes:
    return render_card(context(lib, wanted, language), fmt)


def texts(lib: Library, wanted: CardPreview, language: str, base_url: str) -> dict[str, str]:
    """Platform → the text a reader would post (X, Instagram, WhatsApp)."""
    base = base_url.rstrip("/")
    images = {f: f"{base}/v1/share/{SAMPLE_CODE}/image?format={f}" for f in ("story", "square")}
    payloads = build_payloads(
        context(lib, wanted, language), PREVIEW_PLATFORMS, f"{base}/s/{SAMPLE_CODE}", images
    )
    return {p: payloads[p].text for p in PREVIEW_PLATFORMS}
