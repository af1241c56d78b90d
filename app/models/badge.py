"""Badges: a library's catalogue of achievements and who has earned them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import HexColor, LongText, Name, UtcDateTime

Metric = Literal[
    "books_finished",
    "pages",
    "minutes",
    "streak_days",
    "genres",
    "logs",
    "challenges_completed",
    "shares",
]
Period = Literal["all_time", "month", "week", "day"]
Icon = Literal["book", "star", "medal", "flame", "compass", "trophy", "crown", "heart"]


class Badge(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("library_id", "name"),)

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id", index=True)
    name: str = SQLField(max_length=80)
    description: str = SQLField(default="", max_length=2000)
    icon: str = SQLField(default="medal", max_length=16)
    color: str = SQLField(default="#F2A900", max_length=7)
    criteria: list[dict[str, Any]] = SQLField(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    bonus_points: int = 0
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class BadgeAward(SQLModel, table=True):
    """A badge a member holds; the unique pair makes every award happen once."""

    __tablename__ = "badge_award"
    __table_args__ = (
        UniqueConstraint("member_id", "badge_id"),
        Index("ix_badge_award_badge_id_awarded_at", "badge_id", "awarded_at"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id", index=True)
    badge_id: int = SQLField(foreign_key="badge.id")
    awarded_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    log_id: int | None = SQLField(default=None, foreign_key="reading_log.id")


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: Metric
    target: int = Field(ge=1, le=1_000_000)
    period: Period = "all_time"


class BadgeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: LongText = ""
    icon: Icon = "medal"
    color: HexColor = "#F2A900"
    criteria: list[CriterionIn] = Field(min_length=1, max_length=5)
    bonus_points: int = Field(default=0, ge=0, le=10_000)


class BadgePublic(BaseModel):
    id: int
    name: str
    description: str
    icon: str
    color: str
    criteria: list[CriterionIn]
    bonus_points: int


class CriterionProgressOut(BaseModel):
    metric: str
    period: str
    target: int
    current: int
    met: bool
    label: str


class MemberBadge(BaseModel):
    badge: BadgePublic
    earned: bool
    earned_at: dt.datetime | None = None
    progress: list[CriterionProgressOut]


class MemberBadges(BaseModel):
    earned: list[MemberBadge]
    locked: list[MemberBadge]
