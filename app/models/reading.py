"""Reading logs, the points ledger, and the per-day and per-book facts scoring reads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.hashtags import dedupe, normalize_hashtag
from app.core.problem_docs import ProblemDetails
from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.book import BookCreate, BookPublic
from app.models.types import DbId, DocumentedAs, LongText, UtcDateTime

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
    # of loose_minutes, those of logs at a multiplier above 1, and that multiplier (0 while
    # none): each class's minutes convert to points on their own (app/scoring/engine.py)
    boosted_minutes: int = 0
    boosted_multiplier: int = 0
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


def _given(field: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": [field], "properties": {field: schema}}


# The two rules, for validators and generators that read them; the server checks them
# the same way (`ReadingLogCreate._one_book_and_some_reading`).
LOG_RULES: dict[str, Any] = {
    "allOf": [
        {
            "oneOf": [
                _given("book_id", {"type": "integer"}),
                _given("book", {"not": {"type": "null"}}),
            ]
        },
        {
            "anyOf": [
                _given("pages", {"type": "integer"}),
                _given("minutes", {"type": "integer"}),
            ]
        },
    ]
}


class ReadingLogCreate(BaseModel):
    """What was read: exactly one of `book_id` (a catalogued book) or `book` (found by
    its ISBN, else added), and `pages`, `minutes` or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            **LOG_RULES,
            "examples": [
                {
                    "book": {
                        "title": "Laskar Pelangi",
                        "author": "Andrea Hirata",
                        "genre": "novel",
                    },
                    "pages": 30,
                    "hashtags": ["#PerpustakaanPalu"],
                },
                {"book_id": 1, "minutes": 25, "finished": True},
            ],
        },
    )

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
    """A queued log with the phone's id for it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            **LOG_RULES,
            "examples": [
                {"client_id": "2026-11-17T08:15:00Z-1", "book_id": 1, "pages": 12},
                {"client_id": "2026-11-17T19:40:00Z-2", "book_id": 1, "minutes": 20},
            ],
        },
    )

    client_id: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="The phone's id for this log; used as its idempotency key.",
    )


def _an_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("each item must be an object")
    return value


# Each item is validated on its own (an invalid one gets its own error result and the
# rest still count), so the request only checks it is an object; the document shows
# what an item must be.
QueuedItem = Annotated[dict[str, Any], PlainValidator(_an_object, json_schema_input_type=BatchItem)]


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[QueuedItem] = Field(
        min_length=1,
        max_length=100,
        description="The queued logs, oldest first. An item that is not valid gets an "
        "`error` result of its own; the others still count.",
    )


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
    status: enums.LogStatus
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
    icon: enums.BadgeIcon
    color: str
    bonus_points: int


class ChallengeProgressBrief(BaseModel):
    challenge_id: int
    title: str
    hashtag: str
    goal: enums.Goal
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
    result: LogResult | None = Field(
        default=None, description="The log's result: set unless the outcome is `error`."
    )
    # The problem as the API sends one (members only when set), published as its schema.
    problem: Annotated[dict[str, Any] | None, DocumentedAs(ProblemDetails | None)] = Field(
        default=None, description="Why the item failed: set when the outcome is `error`."
    )


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
