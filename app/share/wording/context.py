"""The share's value object: everything one share needs, flat and already safe to publish."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from app.models.challenge import Goal
from app.models.leaderboard import PeriodName
from app.models.share import SubjectType
from app.share.wording.catalogue import WORDINGS

# The closed sets as the models name them (one place each); the share's names for them.
Language = Literal["id", "en"]
Period = PeriodName
GoalUnit = Goal

SUBJECT_TYPES: tuple[str, ...] = get_args(SubjectType)
LANGUAGES: tuple[str, ...] = get_args(Language)

GENERAL_HASHTAGS: tuple[str, ...] = ("#LiterasiDigital", "#BukuUntukSemua")
APP_NAME = "BacaQuest"
ELLIPSIS = "…"

# Counts above this are not a real member's reading; refusing them keeps every text bounded.
MAX_COUNT = 10**9
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ZWJ = "\u200d"


def clean_text(value: str) -> str:
    """One tidy line: NFC, no control/format/unassigned characters, single spaces.

    Kept: letters of every script, emoji and their joiners (U+200D) and variation
    selectors. Dropped: bidi overrides and other format characters (they can spoof
    what a post says), lone surrogates, private-use characters.
    """
    text = unicodedata.normalize("NFC", value)
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch != _ZWJ):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


@dataclass(frozen=True, slots=True)
class ShareContext:
    """Everything one share needs, flat and already safe to publish.

    ``display_name`` is the name the caller decided to show: for a child it must
    already be the nickname. Nothing else about the person (full name, school,
    birth year) has a field here, so it can't leak into a post, card or page.
    ``completed`` means "book finished" for a reading log and "challenge
    completed" for a challenge.
    """

    subject_type: SubjectType
    display_name: str
    library_name: str
    language: Language = "id"
    library_hashtags: tuple[str, ...] = ()
    challenge_hashtag: str | None = None
    challenge_title: str | None = None
    badge_name: str | None = None
    badge_icon: str | None = None
    book_title: str | None = None
    book_author: str | None = None
    pages: int | None = None
    minutes: int | None = None
    points: int | None = None
    progress_current: int | None = None
    progress_target: int | None = None
    goal_unit: GoalUnit | None = None
    completed: bool = False
    rank: int | None = None
    period: Period | None = None
    month_label: str | None = None
    total_books: int | None = None
    total_pages: int | None = None
    total_minutes: int | None = None
    primary_color: str = "#1E5AA8"
    accent_color: str = "#F2A900"

    def __post_init__(self) -> None:
        if self.subject_type not in SUBJECT_TYPES:
            raise ValueError(f"subject_type must be one of {', '.join(SUBJECT_TYPES)}")
        if self.language not in WORDINGS:
            raise ValueError(f"language must be one of {', '.join(WORDINGS.languages())}")
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                cleaned = clean_text(value)
                object.__setattr__(self, name, cleaned or None)
        for name in ("display_name", "library_name"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be blank")
        object.__setattr__(self, "library_hashtags", tuple(self.library_hashtags))
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and not 0 <= value <= MAX_COUNT:
                raise ValueError(f"{name} must be between 0 and {MAX_COUNT}")
        for name in ("primary_color", "accent_color"):
            if not _HEX_COLOR.match(getattr(self, name)):
                raise ValueError(f"{name} must be a colour like #1E5AA8")
        if self.goal_unit is not None and self.goal_unit not in get_args(GoalUnit):
            raise ValueError("goal_unit must be books, pages, minutes or reviews")
        if self.period is not None and self.period not in get_args(Period):
            raise ValueError("period must be week, month or all_time")
        self._check_subject()

    def _check_subject(self) -> None:
        required: dict[str, tuple[str, ...]] = {
            "badge": ("badge_name",),
            "reading_log": ("book_title",),
            "challenge": ("challenge_title",),
            "leaderboard_rank": ("rank", "period"),
            "monthly_summary": ("month_label",),
        }
        needs = list(required[self.subject_type])
        if self.subject_type == "challenge" and not self.completed:
            needs += ["progress_current", "progress_target", "goal_unit"]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.subject_type} share needs {', '.join(missing)}")
        if self.rank is not None and self.rank < 1:
            raise ValueError("rank starts at 1")
        if self.progress_target is not None and self.progress_target < 1:
            raise ValueError("progress_target must be at least 1")


_TEXT_FIELDS: tuple[str, ...] = (
    "display_name",
    "library_name",
    "challenge_title",
    "badge_name",
    "book_title",
    "book_author",
    "month_label",
    "badge_icon",
)
_COUNT_FIELDS: tuple[str, ...] = (
    "pages",
    "minutes",
    "points",
    "progress_current",
    "progress_target",
    "rank",
    "total_books",
    "total_pages",
    "total_minutes",
)


def progress_percent(ctx: ShareContext) -> int:
    if not ctx.progress_target:
        return 100 if ctx.completed else 0
    return min(100, (ctx.progress_current or 0) * 100 // ctx.progress_target)
