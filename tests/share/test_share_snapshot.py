"""Every share text, byte for byte: all kinds x platforms x languages, with the landing and
notice pages. Regenerate only for a wording change meant to be seen:
`python -m tests.share.test_share_snapshot` (then review the diff of the JSON)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from app.share import (
    PLATFORMS,
    build_payloads,
    card_texts,
    compose_message,
    landing_texts,
    render_gone,
    render_landing,
    render_library,
    render_not_found,
)
from app.share.landing import ChallengeLine
from tests.share.factories import IMAGE_URLS, LANDING_URL, LONG_TITLE, SUBJECT_TYPES, make_ctx

SNAPSHOT = Path(__file__).parent / "snapshots" / "share_texts.json"

# Variants that take each kind down its other branches.
_VARIANTS: dict[str, list[dict[str, Any]]] = {
    "badge": [{}, {"challenge_title": "Tantangan Baca November"}, {"points": None}],
    "reading_log": [
        {},
        {"completed": False},
        {"completed": False, "pages": None, "minutes": 45},
        {"completed": False, "pages": None, "points": None, "book_author": None},
        {"completed": True, "pages": None, "minutes": 30, "challenge_title": "Baca Bareng"},
        {"book_title": LONG_TITLE},
    ],
    "challenge": [
        {},
        {"completed": True, "points": 100},
        {"completed": True, "challenge_title": "Membaca Sepanjang Tahun", "goal_unit": "pages"},
        {"goal_unit": "minutes", "progress_current": 300, "progress_target": 1200},
        {"challenge_title": LONG_TITLE},
    ],
    "leaderboard_rank": [
        {},
        {"rank": 11, "period": "month", "challenge_title": "Tantangan Baca November"},
        {"rank": 22, "period": "all_time", "points": None},
        {"rank": 1},
    ],
    "monthly_summary": [
        {},
        {"total_books": None, "total_pages": None, "total_minutes": None},
        {"total_books": 1, "total_pages": 1, "total_minutes": 1},
        {"challenge_title": "Tantangan Baca November"},
    ],
}


def _texts_of(ctx: Any, page: bool) -> dict[str, Any]:
    payloads = build_payloads(ctx, list(PLATFORMS), LANDING_URL, IMAGE_URLS)
    texts = {
        "message": compose_message(ctx),
        "message_short": compose_message(ctx, max_field_chars=12, invitation=False),
        "landing": list(landing_texts(ctx)),
        "card": dataclasses.asdict(card_texts(ctx)),
        "payloads": {p: dataclasses.asdict(v) for p, v in payloads.items()},
    }
    if page:
        texts["landing_page"] = render_landing(
            ctx, url=LANDING_URL, image_url=IMAGE_URLS["og"], join_url=LANDING_URL
        )
    return texts


def current() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for language in ("id", "en"):
        for kind in SUBJECT_TYPES:
            for i, variant in enumerate(_VARIANTS[kind]):
                ctx = make_ctx(kind, language=language, **variant)
                out[f"{language}/{kind}/{i}"] = _texts_of(ctx, page=i == 0)
        out[f"{language}/pages"] = {
            "gone": render_gone(language=language, home_url=LANDING_URL),
            "not_found": render_not_found(language=language),
            "library": render_library(
                language=language,
                url=LANDING_URL,
                library_name="Perpustakaan Umum Kota Palu",
                hashtags=["#PerpustakaanPalu"],
                challenges=[
                    ChallengeLine(
                        "Baca November", "#BacaNov", date(2026, 11, 1), date(2026, 11, 30)
                    )
                ],
                testimonials=[("Rani", 4, "Seru!")],
                referral="Ab3xY9",
            ),
        }
    return out


def test_every_share_text_is_unchanged() -> None:
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(current()))  # as JSON holds it: tuples are lists
    assert sorted(now) == sorted(pinned)
    for key in pinned:
        assert now[key] == pinned[key], key


if __name__ == "__main__":
    SNAPSHOT.write_text(
        json.dumps(current(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
