"""Challenges: staff-made (usually monthly) hashtag challenges and who takes part."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.library import Hashtag
from app.models.member import AgeGroup
from app.models.types import DbId, LongText, Title, UtcDateTime

Goal = Literal["books", "pages", "minutes", "reviews"]
AgeGroupName = AgeGroup  # the one closed set, named as the challenge speaks of it
MAX_WINDOW_DAYS = 366


class Challenge(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("goal IN ('books', 'pages', 'minutes', 'reviews')", name="goal"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("ends_on >= starts_on", name="window"),
        Index("ix_challenge_library_id_ends_on", "library_id", "ends_on"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    title: str = SQLField(max_length=300)
    description: str = SQLField(default="", max_length=2000)
    hashtag: str = SQLField(max_length=100)
    hashtag_key: str = SQLField(max_length=100)
    starts_on: dt.date
    ends_on: dt.date
    goal: str = SQLField(max_length=10)
    target: int
    age_groups: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    bonus_points: int = 0
    badge_id: int | None = SQLField(default=None, foreign_key="badge.id")
    published: bool = True
    ended_early: bool = False
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    deleted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class ChallengeParticipant(SQLModel, table=True):
    """A member in a challenge; completion is recorded once, with its time."""

    __tablename__ = "challenge_participant"

    challenge_id: int = SQLField(foreign_key="challenge.id", primary_key=True)
    member_id: int = SQLField(foreign_key="member.id", primary_key=True, index=True)
    joined_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    joined_via: str = SQLField(default="app", max_length=10)  # app | hashtag
    progress: int = 0
    completed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class ChallengeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "Tantangan Baca Januari",
                    "hashtag": "#TantanganBacaJanuari",
                    "starts_on": "2027-01-01",
                    "ends_on": "2027-01-31",
                    "goal": "books",
                    "target": 5,
                    "age_groups": ["kids", "teens"],
                }
            ]
        },
    )

    title: Title
    description: LongText = ""
    hashtag: Hashtag
    starts_on: dt.date
    ends_on: dt.date
    goal: enums.Goal
    target: int = Field(ge=1, le=1_000_000)
    age_groups: list[enums.AgeGroup] = Field(
        default=list(enums.AgeGroup), min_length=1, max_length=3
    )
    bonus_points: int = Field(default=0, ge=0, le=10_000)
    badge_id: DbId | None = None
    published: bool = True

    @model_validator(mode="after")
    def _window(self) -> ChallengeCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if (self.ends_on - self.starts_on).days + 1 > MAX_WINDOW_DAYS:
            raise ValueError(f"a challenge lasts at most {MAX_WINDOW_DAYS} days")
        self.age_groups = sorted(set(self.age_groups))
        return self


class ChallengeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    title: Title | None = None
    description: LongText | None = None
    hashtag: Hashtag | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    goal: enums.Goal | None = None
    target: int | None = Field(default=None, ge=1, le=1_000_000)
    age_groups: list[enums.AgeGroup] | None = Field(default=None, min_length=1, max_length=3)
    bonus_points: int | None = Field(default=None, ge=0, le=10_000)
    badge_id: DbId | None = None
    published: bool | None = None


class MyProgress(BaseModel):
    joined: bool
    current: int
    target: int
    percent: int
    completed: bool
    completed_at: dt.datetime | None = None
    label: str


class ChallengePublic(BaseModel):
    id: int
    library: str
    title: str
    description: str
    hashtag: str
    starts_on: dt.date
    ends_on: dt.date
    status: enums.ChallengeStatus
    goal: enums.Goal
    target: int
    age_groups: list[enums.AgeGroup]
    bonus_points: int
    badge_id: int | None
    published: bool
    ended_early: bool
    participants: int
    me: MyProgress | None = None


class ParticipantRow(BaseModel):
    member_id: int
    name: str
    is_child: bool
    age_group: enums.AgeGroup
    joined_at: dt.datetime
    joined_via: str
    progress: int
    completed_at: dt.datetime | None
    flagged_logs: int
