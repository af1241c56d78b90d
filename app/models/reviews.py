"""Book reviews (public once staff approve them) and feedback on the programme (shown as
testimonials when the member agreed and staff chose it)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.library import HashtagList
from app.models.reading import AwardRow, BadgeBrief, ChallengeProgressBrief, Totals
from app.models.types import UtcDateTime

ReviewStatus = Literal["pending", "approved", "rejected"]


class BookReview(SQLModel, table=True):
    __tablename__ = "book_review"
    __table_args__ = (
        UniqueConstraint("member_id", "book_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        Index("ix_book_review_library_id_status", "library_id", "status"),
        Index("ix_book_review_book_id_library_id", "book_id", "library_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    book_id: int = SQLField(foreign_key="book.id")
    member_id: int = SQLField(foreign_key="member.id")
    rating: int
    text: str = SQLField(max_length=2000)
    status: str = SQLField(default="pending", max_length=10)
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # The library's local date it was written (or last rewritten): what a contest counts.
    written_on: dt.date | None = None
    reviewed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    reviewed_by: int | None = SQLField(default=None, foreign_key="member.id")
    reason: str | None = SQLField(default=None, max_length=500)
    ledger_entry_id: int | None = SQLField(default=None, foreign_key="ledger_entry.id")


class Feedback(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_feedback_library_id_id", "library_id", "id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    member_id: int = SQLField(foreign_key="member.id")
    rating: int
    text: str = SQLField(max_length=2000)
    consent_to_publish: bool = False
    testimonial: bool = False
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    marked_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    marked_by: int | None = SQLField(default=None, foreign_key="member.id")


# --- API schemas ---------------------------------------------------------------------

Rating = Field(ge=1, le=5, description="1 to 5 stars")


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Rating
    text: str = Field(min_length=10, max_length=2000)
    hashtags: HashtagList = Field(
        default=[],
        description="A review contest's hashtag joins it (when your age group may take part)",
    )


class ReviewPublic(BaseModel):
    id: int
    book_id: int
    rating: int
    text: str
    reviewer: str = Field(description="Nickname or display name; a child by nickname only")
    created_at: dt.datetime


class MyReview(ReviewPublic):
    status: ReviewStatus
    reason: str | None = None
    points: list[AwardRow] = []


class ReviewQueueItem(ReviewPublic):
    status: ReviewStatus
    member_id: int
    is_child: bool
    book_title: str


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class ReviewApproved(BaseModel):
    review: ReviewQueueItem
    points: list[AwardRow]
    badges_earned: list[BadgeBrief]
    totals: Totals
    challenges: list[ChallengeProgressBrief] = Field(
        default=[], description="The writer's review contests this approval counts for"
    )


class ReviewWithdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="What the writer will read")


class ReviewTakenBack(BaseModel):
    """A published review taken down: its points and contest progress taken back."""

    review: ReviewQueueItem
    points: list[AwardRow]
    totals: Totals
    challenges: list[ChallengeProgressBrief]


class BookReviews(BaseModel):
    book_id: int
    title: str
    library: str
    average_rating: float | None = Field(description="Of approved reviews, one decimal")
    reviews_count: int
    readers: int = Field(description="Members of this library who finished the book")
    reviews: list[ReviewPublic]
    next_cursor: str | None = None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Rating
    text: str = Field(min_length=5, max_length=2000)
    consent_to_publish: bool = Field(
        default=False, description="May the library show it as a testimonial?"
    )


class FeedbackPublic(BaseModel):
    id: int
    rating: int
    text: str
    consent_to_publish: bool
    testimonial: bool
    created_at: dt.datetime


class FeedbackStaffView(FeedbackPublic):
    member_id: int
    name: str


class TestimonialMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    testimonial: bool


class Testimonial(BaseModel):
    name: str
    rating: int
    text: str
