"""Quizzes on a book or a challenge (graded on the server) and polls (one vote a member)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.events import in_years
from app.models.reading import AwardRow, BadgeBrief, Totals
from app.models.types import DbId, LongText, Title, UtcDateTime

MAX_QUESTIONS = 50
MAX_OPTIONS = 8


class Quiz(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("pass_percent BETWEEN 0 AND 100", name="pass_percent"),
        CheckConstraint("max_attempts >= 1", name="max_attempts"),
        CheckConstraint("(book_id IS NULL) <> (challenge_id IS NULL)", name="on_book_or_challenge"),
        Index("ix_quiz_library_id_id", "library_id", "id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    title: str = SQLField(max_length=300)
    title_en: str | None = SQLField(default=None, max_length=300)
    description: str = SQLField(default="", max_length=2000)
    book_id: int | None = SQLField(default=None, foreign_key="book.id")
    challenge_id: int | None = SQLField(default=None, foreign_key="challenge.id")
    # [{text, text_en, explanation, explanation_en, options: [{text, text_en}], correct: [i]}]
    questions: list[dict[str, Any]] = SQLField(sa_column=Column(JSON, nullable=False))
    pass_percent: int = 60
    max_attempts: int = 1
    points: int = 0
    published: bool = True
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class QuizResult(SQLModel, table=True):
    """One member's standing on one quiz: tries used (moved by a conditional atomic
    update, so the limit holds under any race) and the one pass that pays points."""

    __tablename__ = "quiz_result"

    quiz_id: int = SQLField(foreign_key="quiz.id", primary_key=True)
    member_id: int = SQLField(foreign_key="member.id", primary_key=True, index=True)
    attempts: int = 0
    best_percent: int = 0
    passed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    ledger_entry_id: int | None = SQLField(default=None, foreign_key="ledger_entry.id")


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("quiz_id", "member_id", "attempt_no"),)

    id: int | None = SQLField(default=None, primary_key=True)
    quiz_id: int = SQLField(foreign_key="quiz.id")
    member_id: int = SQLField(foreign_key="member.id")
    attempt_no: int
    answers: list[list[int]] = SQLField(sa_column=Column(JSON, nullable=False))
    score: int
    percent: int
    passed: bool
    submitted_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    submitted_by: int = SQLField(foreign_key="member.id")  # the guardian, for a child


class Poll(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("results IN ('after_vote', 'after_close')", name="results"),
        Index("ix_poll_library_id_id", "library_id", "id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    question: str = SQLField(max_length=300)
    question_en: str | None = SQLField(default=None, max_length=300)
    options: list[dict[str, Any]] = SQLField(sa_column=Column(JSON, nullable=False))
    results: str = SQLField(default="after_vote", max_length=12)
    book_id: int | None = SQLField(default=None, foreign_key="book.id")
    challenge_id: int | None = SQLField(default=None, foreign_key="challenge.id")
    closes_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    closed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class PollVote(SQLModel, table=True):
    """One vote per member and poll: the primary key makes it so."""

    __tablename__ = "poll_vote"

    poll_id: int = SQLField(foreign_key="poll.id", primary_key=True)
    member_id: int = SQLField(foreign_key="member.id", primary_key=True)
    option: int
    voted_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


# --- API schemas ---------------------------------------------------------------------

OptionText = Field(min_length=1, max_length=300)


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = OptionText
    text_en: str | None = Field(default=None, min_length=1, max_length=300)


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000)
    text_en: str | None = Field(default=None, min_length=1, max_length=1000)
    options: list[OptionIn] = Field(min_length=2, max_length=MAX_OPTIONS)
    correct: list[int] = Field(min_length=1, max_length=MAX_OPTIONS, description="Indexes, from 0")
    explanation: LongText = ""
    explanation_en: LongText | None = None

    @model_validator(mode="after")
    def _check(self) -> QuestionIn:
        if len(set(self.correct)) != len(self.correct):
            raise ValueError("correct lists an option twice")
        if any(i < 0 or i >= len(self.options) for i in self.correct):
            raise ValueError("correct names an option the question does not have")
        if len(self.correct) == len(self.options):
            raise ValueError("at least one option must be wrong")
        return self


class QuizCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    title_en: Title | None = None
    description: LongText = ""
    book_id: DbId | None = None
    challenge_id: DbId | None = None
    questions: list[QuestionIn] = Field(min_length=1, max_length=MAX_QUESTIONS)
    pass_percent: int = Field(default=60, ge=0, le=100)
    max_attempts: int = Field(default=1, ge=1, le=10)
    points: int = Field(default=0, ge=0, le=10_000)
    published: bool = True

    @model_validator(mode="after")
    def _check(self) -> QuizCreate:
        if (self.book_id is None) == (self.challenge_id is None):
            raise ValueError("a quiz is on a book or on a challenge: give exactly one")
        return self


class QuizUpdate(BaseModel):
    """A staff edit; only the fields sent change. Once a member has submitted, only the
    wording may change (titles, description, question, option and explanation texts, with
    the same questions, options and correct answers), the quiz may be (un)published and
    its tries raised; the questions, answers, pass mark, points and subject stay."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    title_en: Title | None = None
    description: LongText | None = None
    book_id: DbId | None = None
    challenge_id: DbId | None = None
    questions: list[QuestionIn] | None = Field(default=None, min_length=1, max_length=MAX_QUESTIONS)
    pass_percent: int | None = Field(default=None, ge=0, le=100)
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    points: int | None = Field(default=None, ge=0, le=10_000)
    published: bool | None = None


class OptionOut(BaseModel):
    index: int
    text: str


class QuestionOut(BaseModel):
    """A question as a member sees it before answering: no correct answers."""

    index: int
    text: str
    options: list[OptionOut]
    multiple: bool = Field(description="More than one option is right: choose all that are")


class MyQuizStanding(BaseModel):
    attempts: int
    attempts_left: int
    passed: bool
    best_percent: int


class QuizPublic(BaseModel):
    id: int
    title: str
    description: str
    language: enums.Language
    book_id: int | None
    challenge_id: int | None
    pass_percent: int
    max_attempts: int
    points: int
    published: bool
    questions: list[QuestionOut]
    me: MyQuizStanding | None = None


class QuizStaffView(BaseModel):
    id: int
    title: str
    title_en: str | None
    description: str
    book_id: int | None
    challenge_id: int | None
    pass_percent: int
    max_attempts: int
    points: int
    published: bool
    questions: list[QuestionIn]
    attempts: int
    members: int
    passed: int


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[list[int]] = Field(
        min_length=1,
        max_length=MAX_QUESTIONS,
        description="Per question, in order, the indexes of the options chosen",
    )


class QuestionResult(BaseModel):
    index: int
    correct: bool
    chosen: list[int]
    # Shown once the member is done with the quiz (passed, or no tries left).
    correct_options: list[int] | None = None
    explanation: str | None = None


class QuizSubmission(BaseModel):
    quiz_id: int
    attempt_no: int
    score: int
    questions_total: int
    percent: int
    passed: bool
    attempts_left: int
    results: list[QuestionResult]
    points: list[AwardRow]
    badges_earned: list[BadgeBrief]
    totals: Totals


PollResults = Literal["after_vote", "after_close"]


def _check_closes_local(value: dt.datetime | None) -> None:
    """A poll's closing time is a local time, within the years the API accepts."""
    if value is not None and value.tzinfo is not None:
        raise ValueError("closes_local is a local time without an offset")
    in_years(value, "closes_local")


class PollCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Title
    question_en: Title | None = None
    options: list[OptionIn] = Field(min_length=2, max_length=MAX_OPTIONS)
    results: PollResults = "after_vote"
    book_id: DbId | None = None
    challenge_id: DbId | None = None
    closes_local: dt.datetime | None = Field(
        default=None, description="Local time the poll closes by itself, e.g. 2026-12-31T23:59"
    )

    @model_validator(mode="after")
    def _check(self) -> PollCreate:
        _check_closes_local(self.closes_local)
        return self


class PollUpdate(BaseModel):
    """A staff edit; only the fields sent change. Once a member has voted, the question
    and options may be reworded but options neither added, removed nor the subject
    changed; a closed poll keeps its closing time."""

    model_config = ConfigDict(extra="forbid")

    question: Title | None = None
    question_en: Title | None = None
    options: list[OptionIn] | None = Field(default=None, min_length=2, max_length=MAX_OPTIONS)
    results: PollResults | None = None
    book_id: DbId | None = None
    challenge_id: DbId | None = None
    closes_local: dt.datetime | None = Field(
        default=None, description="Local time the poll closes by itself; null: no closing time"
    )

    @model_validator(mode="after")
    def _check(self) -> PollUpdate:
        _check_closes_local(self.closes_local)
        return self


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    option: int = Field(ge=0, lt=MAX_OPTIONS)


class PollOptionResult(BaseModel):
    index: int
    text: str
    votes: int
    percent: int


class PollPublic(BaseModel):
    id: int
    question: str
    language: enums.Language
    options: list[OptionOut]
    results_visibility: PollResults
    book_id: int | None
    challenge_id: int | None
    closes_at: dt.datetime | None
    closed: bool
    my_vote: int | None = None
    votes: int | None = Field(default=None, description="Total votes, when results are visible")
    results: list[PollOptionResult] | None = None
