"""Shares: one achievement posted to social platforms, its cached cards and its events."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel
from typing_extensions import TypedDict

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import DbId, DocumentedAs, UtcDateTime

SubjectType = Literal["badge", "reading_log", "challenge", "leaderboard_rank", "monthly_summary"]
Platform = Literal["x", "facebook", "instagram", "tiktok", "whatsapp", "telegram", "threads"]
CardFormat = Literal["story", "square", "og"]


class Share(SQLModel, table=True):
    __table_args__ = (Index("ix_share_member_id", "member_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    code: str = SQLField(max_length=16, unique=True)
    member_id: int = SQLField(foreign_key="member.id")
    library_id: int = SQLField(foreign_key="library.id")
    shared_by: int = SQLField(foreign_key="member.id")
    subject_type: str = SQLField(max_length=20)
    subject_id: int | None = None
    language: str = SQLField(max_length=2)
    platforms: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The achievement as it was when shared: the page and cards never change after.
    context: dict[str, Any] = SQLField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    challenge_id: int | None = None
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    deleted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class ShareImage(SQLModel, table=True):
    """A card rendered once and kept."""

    __tablename__ = "share_image"

    share_id: int = SQLField(foreign_key="share.id", primary_key=True)
    format: str = SQLField(max_length=8, primary_key=True)
    png: bytes = SQLField(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class ShareEvent(SQLModel, table=True):
    """A share to one platform, or one view of a landing page: what analytics count."""

    __tablename__ = "share_event"
    __table_args__ = (Index("ix_share_event_library_id_day", "library_id", "day"),)

    id: int | None = SQLField(default=None, primary_key=True)
    share_id: int = SQLField(foreign_key="share.id", index=True)
    library_id: int = SQLField(foreign_key="library.id")
    kind: str = SQLField(max_length=8)  # share | view
    platform: str | None = SQLField(default=None, max_length=12)
    subject_type: str = SQLField(max_length=20)
    day: dt.date
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class ShareSubject(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    type: enums.SubjectType
    id: DbId | None = Field(
        default=None, description="Badge, reading log or challenge id (by subject type)."
    )
    member_id: DbId | None = Field(
        default=None, description="One of your children, when sharing for them."
    )
    period: enums.Period = enums.Period.MONTH
    scope: Literal["library", "school"] = "library"
    month: str | None = Field(
        default=None,
        pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
        description="YYYY-MM; this month by default.",
    )

    @model_validator(mode="after")
    def _id_when_needed(self) -> ShareSubject:
        if self.type in ("badge", "reading_log", "challenge") and self.id is None:
            raise ValueError(f"a {self.type} share needs the subject's id")
        return self


class ShareCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        json_schema_extra={
            "examples": [
                {"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp", "x"]},
                {
                    "subject": {"type": "reading_log", "id": 1},
                    "platforms": list(enums.Platform),
                    "language": "en",
                },
            ]
        },
    )

    subject: ShareSubject
    platforms: list[enums.Platform] = Field(min_length=1, max_length=7)
    language: enums.Language | None = None


class PayloadOut(BaseModel):
    platform: enums.Platform
    text: str
    hashtags: list[str]
    url: str | None
    char_count: int
    char_limit: int
    link_url: str
    image_url: str | None = None
    instructions: str | None = None


class SharePayloads(TypedDict, total=False):
    """One post per platform asked for: exactly the platforms of the request."""

    x: PayloadOut
    facebook: PayloadOut
    instagram: PayloadOut
    tiktok: PayloadOut
    whatsapp: PayloadOut
    telegram: PayloadOut
    threads: PayloadOut


class ShareImages(BaseModel):
    story: str
    square: str
    og: str


class SharePublic(BaseModel):
    id: str
    url: str
    subject_type: enums.SubjectType
    language: enums.Language
    images: ShareImages
    # A plain map at run time (in the order the platforms were asked for).
    payloads: Annotated[dict[str, PayloadOut], DocumentedAs(SharePayloads)]
    created_at: dt.datetime
