"""One-line builders of share contexts for the share tests."""

from __future__ import annotations

from typing import Any

from app.share import ShareContext

LANDING_URL = "https://bacaquest.id/s/Ab3xY9"
IMAGE_URLS = {
    "story": "https://bacaquest.id/v1/share/42/image?format=story",
    "square": "https://bacaquest.id/v1/share/42/image?format=square",
    "og": "https://bacaquest.id/v1/share/42/image?format=og",
}

LONG_TITLE = (
    "Kisah Panjang Anak-Anak Pesisir Teluk Palu yang Belajar Membaca di Perpustakaan "
    "Keliling Bersama Para Relawan Literasi dari Berbagai Penjuru Sulawesi Tengah dan "
    "Menemukan Dunia Baru di Setiap Halaman Buku yang Mereka Baca Setiap Sore Sepulang "
    "Sekolah, Ditemani Deburan Ombak, Senja Jingga, dan Cerita Nenek tentang Laut 📚🌊"
)
assert len(LONG_TITLE) >= 300

_BASE: dict[str, Any] = {
    "display_name": "Rani",
    "library_name": "Perpustakaan Umum Kota Palu",
    "library_hashtags": ("#PerpustakaanPalu",),
    "primary_color": "#1E5AA8",
    "accent_color": "#F2A900",
}

_SUBJECTS: dict[str, dict[str, Any]] = {
    "badge": {"badge_name": "Kutu Buku", "badge_icon": "medal", "points": 50},
    "reading_log": {
        "book_title": "Laskar Pelangi",
        "book_author": "Andrea Hirata",
        "pages": 529,
        "points": 549,
        "completed": True,
    },
    "challenge": {
        "challenge_title": "Tantangan Baca November",
        "challenge_hashtag": "#TantanganBacaNovember",
        "progress_current": 7,
        "progress_target": 10,
        "goal_unit": "books",
    },
    "leaderboard_rank": {"rank": 3, "period": "week", "points": 450},
    "monthly_summary": {
        "month_label": "November 2024",
        "total_books": 4,
        "total_pages": 812,
        "total_minutes": 960,
    },
}

SUBJECT_TYPES = tuple(_SUBJECTS)


def make_ctx(subject_type: str = "reading_log", **overrides: Any) -> ShareContext:
    """A valid context for ``subject_type``; any field can be overridden."""
    fields = {**_BASE, **_SUBJECTS[subject_type], **overrides}
    return ShareContext(subject_type=subject_type, **fields)  # type: ignore[arg-type]
