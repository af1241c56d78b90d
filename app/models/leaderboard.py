"""Leaderboards: the per-board points counters kept with the ledger, and the board shapes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Index
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)

Scope = Literal["library", "challenge", "school"]
PeriodName = Literal["week", "month", "all_time"]


class BoardScore(SQLModel, table=True):
    """A member's points on one board (`lib:3:all`, `lib:3:w:2026-11-16`, `ch:7`, ...).

    Moved only by `UPSERT ... points = points + :n` in the transaction that books the
    ledger rows, so it always equals the sum of the rows that count for the board.
    """

    __tablename__ = "board_score"
    # A board in rank order with its member ids: its top reads a few index entries.
    __table_args__ = (Index("ix_board_score_board_points", "board", "points", "member_id"),)

    board: str = SQLField(primary_key=True, max_length=40)
    member_id: int = SQLField(primary_key=True, foreign_key="member.id")
    points: int = 0
    # Where the counter is counted by rank (`app.leaderboards.ranks`): class, birth year
    # and school as of its last move; null when not counted (opted out).
    placed: str | None = SQLField(default=None, max_length=100)


class BoardRank(SQLModel, table=True):
    """How many members of one set hold a score (at one granularity) on one board; the
    rows of class `#` are the board's version, spread over a few stripes."""

    __tablename__ = "board_rank"

    board: str = SQLField(primary_key=True, max_length=40)
    cls: str = SQLField(primary_key=True, max_length=1)
    school: str = SQLField(primary_key=True, max_length=80)
    lvl: int = SQLField(primary_key=True)
    key: int = SQLField(primary_key=True)
    cohort: int = SQLField(primary_key=True)
    n: int = 0


class LeaderboardEntry(BaseModel):
    rank: int = Field(description="Shared by ties: 1, 2, 2, 4.")
    member_id: int
    name: str = Field(description="Nickname (always, for a child) or display name.")
    points: int
    is_me: bool


class Leaderboard(BaseModel):
    scope: enums.BoardScope
    id: str | None = Field(
        description="Library slug or challenge id; null for a school board, whose name "
        "is never echoed (it may be a child's school)."
    )
    period: Literal["week", "month", "all_time", "challenge"] = Field(
        description="`challenge` on a challenge board: its own window."
    )
    age_group: enums.AgeGroup | None
    starts_on: dt.date | None = Field(description="First library-local day; null for all_time.")
    ends_on: dt.date | None = Field(description="Last library-local day; null for all_time.")
    entries: list[LeaderboardEntry]
    me: LeaderboardEntry | None = Field(
        description="The caller's own standing, also outside the top entries or when opted "
        "out; null when the caller is not on this board at all."
    )
    total_ranked: int = Field(description="Members with points on this board.")
    kept_until: dt.date | None = Field(
        default=None,
        description="A week's or month's board is kept until this library-local day "
        "(400 days after the period ends), then pruned; null for boards kept for good.",
    )
