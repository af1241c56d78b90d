"""Prize drawings: staff define who is eligible and how entries weigh; the entries and a
committed seed are frozen before the draw, which happens once and can be recomputed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import DbId, LongText, Title, UtcDateTime

DrawingStatus = Literal["open", "frozen", "drawn"]
WinnerStatus = Literal["pending", "claimed", "forfeited"]
Weighting = Literal["one_each", "per_points"]
Series = Field(
    default=None,
    pattern=r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$",
    description="Programme key; with exclude_previous_winners, earlier winners of the same "
    "series are left out (e.g. kuis-berhadiah-2026)",
)


class Drawing(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("status IN ('open', 'frozen', 'drawn')", name="status"),
        CheckConstraint("weighting IN ('one_each', 'per_points')", name="weighting"),
        CheckConstraint("winners > 0", name="winners_positive"),
        Index("ix_drawing_library_id_id", "library_id", "id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    title: str = SQLField(max_length=300)
    prize: str = SQLField(default="", max_length=2000)
    series: str | None = SQLField(default=None, max_length=60)
    challenge_id: int | None = SQLField(default=None, foreign_key="challenge.id")
    starts_on: dt.date | None = None  # a period, when not a challenge's window
    ends_on: dt.date | None = None
    require_completed_challenge: bool = False
    min_points: int = 0
    age_groups: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    event_id: int | None = SQLField(default=None, foreign_key="event.id")
    weighting: str = SQLField(default="one_each", max_length=12)
    points_per_ticket: int = 1
    winners: int = 1
    exclude_previous_winners: bool = True
    status: str = SQLField(default="open", max_length=8)
    entries_count: int = 0
    tickets_total: int = 0
    entries_sha256: str | None = SQLField(default=None, max_length=64)
    seed: str | None = SQLField(default=None, max_length=64)  # revealed after the draw
    seed_sha256: str | None = SQLField(default=None, max_length=64)  # published at freeze
    frozen_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    drawn_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    drawn_count: int = 0  # how far along the draw order winners and redraws went
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class DrawingEntry(SQLModel, table=True):
    __tablename__ = "drawing_entry"
    __table_args__ = (UniqueConstraint("drawing_id", "member_id"),)

    drawing_id: int = SQLField(foreign_key="drawing.id", primary_key=True)
    entry_no: int = SQLField(primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    tickets: int
    name: str = SQLField(max_length=80)  # as shown publicly: a child by nickname


class DrawingWinner(SQLModel, table=True):
    __tablename__ = "drawing_winner"
    __table_args__ = (
        UniqueConstraint("drawing_id", "member_id"),
        UniqueConstraint("drawing_id", "draw_position"),
        CheckConstraint("status IN ('pending', 'claimed', 'forfeited')", name="status"),
        Index("ix_drawing_winner_member_id", "member_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    drawing_id: int = SQLField(foreign_key="drawing.id")
    prize_no: int  # which prize (1..winners); a redraw keeps the prize
    draw_position: int  # 1-based place in the draw order
    entry_no: int
    member_id: int = SQLField(foreign_key="member.id")
    status: str = SQLField(default="pending", max_length=10)
    drawn_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    replaces_id: int | None = SQLField(default=None, foreign_key="drawing_winner.id")
    claimed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    collected_by: str | None = SQLField(default=None, max_length=80)
    forfeited_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    note: str | None = SQLField(default=None, max_length=500)
    recorded_by: int | None = SQLField(default=None, foreign_key="member.id")


# --- API schemas ---------------------------------------------------------------------


class DrawingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    title: Title
    prize: LongText = ""
    series: str | None = Series
    challenge_id: DbId | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    require_completed_challenge: bool = False
    min_points: int = Field(default=0, ge=0, le=10_000_000)
    age_groups: list[enums.AgeGroup] = Field(
        default=list(enums.AgeGroup), min_length=1, max_length=3
    )
    event_id: DbId | None = Field(default=None, description="Only members who attended it")
    weighting: Weighting = "one_each"
    points_per_ticket: int = Field(default=100, ge=1, le=1_000_000)
    winners: int = Field(default=1, ge=1, le=1000)
    exclude_previous_winners: bool = True

    @model_validator(mode="after")
    def _check(self) -> DrawingCreate:
        if (self.starts_on is None) != (self.ends_on is None):
            raise ValueError("a period needs both starts_on and ends_on")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.challenge_id is not None and self.starts_on is not None:
            raise ValueError("a drawing is for a challenge or for a period, not both")
        if self.require_completed_challenge and self.challenge_id is None:
            raise ValueError("require_completed_challenge needs a challenge_id")
        return self


class DrawingPublic(BaseModel):
    id: int
    title: str
    prize: str
    series: str | None
    challenge_id: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    require_completed_challenge: bool
    min_points: int
    age_groups: list[enums.AgeGroup]
    event_id: int | None
    weighting: str
    points_per_ticket: int
    winners: int
    exclude_previous_winners: bool
    status: DrawingStatus
    entries_count: int
    tickets_total: int
    entries_sha256: str | None
    seed_sha256: str | None
    seed: str | None = Field(description="Revealed once the draw is made")
    frozen_at: dt.datetime | None
    drawn_at: dt.datetime | None
    my_tickets: int | None = None


class WinnerPublic(BaseModel):
    """A winner as any member of the library sees them: a child by nickname only."""

    prize_no: int
    draw_position: int
    entry_no: int
    name: str
    status: WinnerStatus
    replaces_position: int | None = None


class WinnerStaffView(WinnerPublic):
    id: int
    member_id: int
    drawn_at: dt.datetime
    claimed_at: dt.datetime | None
    collected_by: str | None
    forfeited_at: dt.datetime | None
    note: str | None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collected_by: str | None = Field(
        default=None, min_length=1, max_length=80, description="Who picked it up, if not the winner"
    )
    note: str | None = Field(default=None, max_length=500)


class RedrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="Why the prize is redrawn")


class ExportEntry(BaseModel):
    entry_no: int
    name: str
    tickets: int


class DrawingExport(BaseModel):
    """Everything needed to recompute the winners: see `algorithm`."""

    drawing: DrawingPublic
    algorithm: str
    entries: list[ExportEntry]
    winners: list[WinnerPublic]


class MyPrize(BaseModel):
    drawing_id: int
    title: str
    prize: str
    prize_no: int
    status: WinnerStatus
    drawn_at: dt.datetime
    claimed_at: dt.datetime | None
