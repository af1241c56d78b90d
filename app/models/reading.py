"""Reading logs, the points ledger, and the per-day and per-book facts scoring reads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.hashtags import dedupe, normalize_hashtag
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.book import BookCreate, BookPublic
from app.models.types import DbId, LongText, UtcDateTime

LogStatus = Literal["accepted", "pending_review", "rejected"]

MAX_PAGES_PER_LOG = 2000
MAX_MINUTES_PER_LOG = 1440


class ReadingLog(SQLModel, table=True):
    __tablename__ = "reading_log"
    __table_args__ = (
        CheckConstraint("status IN ('accepted', 'pending_review', 'rejected')", name="status"),
        CheckConstraint("pages >= 0 AND minutes >= 0", name="amounts"),
        Index("ix_reading_log_member_id_id", "member_id", "id"),
        Index("ix_reading_log_library_id_status", "library_id", "status"),
        Index("ix_reading_log_member_id_book_id", "member_id", "book_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    library_id: int = SQLField(foreign_key="library.id")
    book_id: int = SQLField(foreign_key="book.id")
    logged_by: int = SQLField(foreign_key="member.id")  # the guardian, when logged for a child
    pages: int = 0
    minutes: int = 0
    finished: bool = False
    read_on: dt.date
    hashtags: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = SQLField(default=None, max_length=2000)
    rating: int | None = None
    status: str = SQLField(max_length=16)
    review_reasons: list[str] = SQLField(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    multiplier: int = 1
    # The challenges this log counted towards (joined, window holding read_on).
    challenge_ids: list[int] = SQLField(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    points: int = 0  # points awarded (net of reversals)
    pending_points: int = 0  # what it would earn, while it waits for staff
    logged_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # When the log started to count (logged_at, or the approval): the order rescoring replays.
    counted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    reviewed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    reviewed_by: int | None = SQLField(default=None, foreign_key="member.id")
    review_note: str | None = SQLField(default=None, max_length=500)  # staff's reason, shown
    deleted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class LedgerEntry(SQLModel, table=True):
    """An append-only points row; a balance is the sum of its rows."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_member_id_id", "member_id", "id"),
        Index("ix_ledger_entry_log_id", "log_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    library_id: int = SQLField(foreign_key="library.id")
    amount: int
    rule_code: str = SQLField(max_length=32)
    log_id: int | None = SQLField(default=None, foreign_key="reading_log.id")
    badge_id: int | None = SQLField(default=None, foreign_key="badge.id")
    challenge_id: int | None = None
    reverses_id: int | None = SQLField(default=None, foreign_key="ledger_entry.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # Library-local date the points belong to (read_on for log rows), for period boards.
    day: dt.date


class MemberDay(SQLModel, table=True):
    """A member's counted reading of one local day: what caps, streaks and minutes read."""

    __tablename__ = "member_day"

    member_id: int = SQLField(foreign_key="member.id", primary_key=True)
    day: dt.date = SQLField(primary_key=True)
    pages: int = 0
    minutes: int = 0
    loose_minutes: int = 0
    points: int = 0
    logs: int = 0
    books_finished: int = 0


class MemberBook(SQLModel, table=True):
    """A book a member has a counted finished log of: the finished bonus is paid once."""

    __tablename__ = "member_book"

    member_id: int = SQLField(foreign_key="member.id", primary_key=True)
    book_id: int = SQLField(foreign_key="book.id", primary_key=True)
    finished_on: dt.date


class MemberGenre(SQLModel, table=True):
    __tablename__ = "member_genre"

    member_id: int = SQLField(foreign_key="member.id", primary_key=True)
    genre: str = SQLField(max_length=40, primary_key=True)
    first_on: dt.date


class IdempotencyKey(SQLModel, table=True):
    """One Idempotency-Key of one member: its fingerprint and, once done, its response."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("member_id", "key"),)

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    key: str = SQLField(max_length=255)
    fingerprint: str = SQLField(max_length=64)
    state: str = SQLField(max_length=10)  # in_flight | done
    response_status: int | None = None
    response_body: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON))
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    expires_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False, index=True)


def _hashtags(values: list[str]) -> list[str]:
    return dedupe([normalize_hashtag(v) for v in values])


HashtagList = Annotated[list[str], Field(max_length=10), AfterValidator(_hashtags)]


class ReadingLogCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    book_id: DbId | None = None
    book: BookCreate | None = None
    pages: int | None = Field(default=None, ge=1, le=MAX_PAGES_PER_LOG)
    minutes: int | None = Field(default=None, ge=1, le=MAX_MINUTES_PER_LOG)
    finished: bool = False
    read_on: dt.date | None = Field(
        default=None, description="Library-local date read; today when left out."
    )
    hashtags: HashtagList = []
    note: LongText | None = None
    rating: int | None = Field(default=None, ge=1, le=5)
    member_id: DbId | None = Field(
        default=None, description="A guardian logging for one of their children."
    )

    @model_validator(mode="after")
    def _one_book_and_some_reading(self) -> ReadingLogCreate:
        if (self.book_id is None) == (self.book is None):
            raise ValueError("give exactly one of book_id or book")
        if self.pages is None and self.minutes is None:
            raise ValueError("give pages, minutes or both")
        return self


class BatchItem(ReadingLogCreate):
    client_id: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="The phone's id for this log; used as its idempotency key.",
    )


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class AwardRow(BaseModel):
    id: int
    rule_code: str
    kind: Literal["reading", "bonus"]
    amount: int
    log_id: int | None = None
    badge_id: int | None = None
    challenge_id: int | None = None
    created_at: dt.datetime


class ReadingLogPublic(BaseModel):
    id: int
    member_id: int
    book: BookPublic
    pages: int | None
    minutes: int | None
    finished: bool
    read_on: dt.date
    hashtags: list[str]
    note: str | None
    rating: int | None
    status: LogStatus
    review_reasons: list[str]
    points: int
    pending_points: int
    logged_at: dt.datetime
    deleted: bool = False
    review_note: str | None = Field(
        default=None, description="The reason staff gave with their decision, if any."
    )


class Totals(BaseModel):
    total: int
    pending: int


class BadgeBrief(BaseModel):
    id: int
    name: str
    icon: str
    color: str
    bonus_points: int


class ChallengeProgressBrief(BaseModel):
    challenge_id: int
    title: str
    hashtag: str
    goal: str
    target: int
    current: int
    completed: bool
    completed_now: bool


class LogResult(BaseModel):
    """Everything the app needs to celebrate a log at once."""

    log: ReadingLogPublic
    awards: list[AwardRow]
    badges_earned: list[BadgeBrief]
    totals: Totals
    challenges: list[ChallengeProgressBrief] = []


class BatchItemResult(BaseModel):
    client_id: str | None
    index: int
    outcome: Literal["accepted", "pending_review", "duplicate", "error"]
    result: LogResult | None = None
    problem: dict[str, Any] | None = None


class BatchResult(BaseModel):
    items: list[BatchItemResult]
    totals: Totals


class PointsSummary(BaseModel):
    total: int
    pending: int
    reading: int
    bonus: int
    by_rule: dict[str, int]


class StatsPeriod(BaseModel):
    pages: int
    minutes: int
    logs: int
    books_finished: int
    points: int


class MemberStats(BaseModel):
    current_streak: int
    longest_streak: int
    books_finished: int
    pages: int
    minutes: int
    logs: int
    genres: int
    this_week: StatsPeriod
    this_month: StatsPeriod
