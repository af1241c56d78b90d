"""Staff edits of quizzes and polls, as far as they stay fair to those who already took part.

Before anyone answers, everything may change. Once a member has submitted a quiz, a typo
may still be fixed anywhere (titles, description, the texts of questions, options and
explanations), the quiz (un)published and its tries raised for everyone; what a
submission was graded or paid by (the questions and options, the correct answers, the
pass mark, the points, the book or challenge) is locked, and so is lowering the tries.
Once a member has voted, a poll's question and options may be reworded, not added to,
removed from or moved to another subject. Refusals are 409 problems naming the field.

An edit takes the quiz's (poll's) row lock and a submission (vote) shares it, so a change
of the questions cannot slip between a member's answers and their grading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session

from app.core.problems import conflict, unprocessable
from app.models.library import Library
from app.models.quizzes import Poll, PollUpdate, PollVote, Quiz, QuizAttempt, QuizUpdate
from app.programmes.common import lock_row, to_utc
from app.programmes.polls.service import is_closed
from app.programmes.quizzes.service import check_subject

_QUIZ_REQUIRED = (
    "title",
    "description",
    "questions",
    "pass_percent",
    "max_attempts",
    "points",
    "published",
)
# What a submission was graded or paid by.
_QUIZ_LOCKED = ("pass_percent", "points", "book_id", "challenge_id")


def _locked(field: str, what: str) -> Exception:
    return conflict(
        f"Members have already {what}: {field} can no longer change.",
        "answered",
        errors=[{"field": field, "message": f"locked once members have {what}"}],
    )


def _shape(questions: list[dict[str, Any]]) -> list[tuple[int, list[int]]]:
    return [(len(q["options"]), sorted(q["correct"])) for q in questions]


def update_quiz(session: Session, quiz: Quiz, data: QuizUpdate) -> Quiz:
    changes = data.model_dump(exclude_unset=True)
    for key in _QUIZ_REQUIRED:
        if key in changes and changes[key] is None:
            raise unprocessable(f"{key} cannot be null.", field=key)
    lock_row(session, quiz)
    if "questions" in changes:
        changes["questions"] = [q.model_dump() for q in data.questions or []]
    book_id = changes.get("book_id", quiz.book_id)
    challenge_id = changes.get("challenge_id", quiz.challenge_id)
    if (book_id is None) == (challenge_id is None):
        raise unprocessable(
            "A quiz is on a book or on a challenge: give exactly one.", field="book_id"
        )
    answered = session.execute(select(exists().where(QuizAttempt.quiz_id == quiz.id))).scalar()
    if answered:
        for key in _QUIZ_LOCKED:
            if key in changes and changes[key] != getattr(quiz, key):
                raise _locked(key, "submitted it")
        if "questions" in changes and _shape(changes["questions"]) != _shape(quiz.questions):
            raise _locked("questions", "submitted it")
        if changes.get("max_attempts", quiz.max_attempts) < quiz.max_attempts:
            raise _locked("max_attempts", "submitted it")
    check_subject(session, quiz.library_id, book_id, challenge_id)
    for key, value in changes.items():
        setattr(quiz, key, value)
    session.add(quiz)
    session.flush()
    return quiz


def update_poll(
    session: Session, poll: Poll, lib: Library, data: PollUpdate, now: datetime
) -> Poll:
    changes = data.model_dump(exclude_unset=True)
    for key in ("question", "options", "results"):
        if key in changes and changes[key] is None:
            raise unprocessable(f"{key} cannot be null.", field=key)
    lock_row(session, poll)
    if "options" in changes:
        changes["options"] = [o.model_dump() for o in data.options or []]
    voted = session.execute(select(exists().where(PollVote.poll_id == poll.id))).scalar()
    if voted:
        for key in ("book_id", "challenge_id"):
            if key in changes and changes[key] != getattr(poll, key):
                raise _locked(key, "voted")
        if "options" in changes and len(changes["options"]) != len(poll.options):
            raise _locked("options", "voted")
    if "closes_local" in changes:
        local = changes.pop("closes_local")
        if is_closed(poll, now):
            raise conflict("This poll is closed; it keeps its closing time.", "poll-closed")
        closes_at = to_utc(local, lib.timezone) if local is not None else None
        if closes_at is not None and closes_at <= now:
            raise unprocessable("The poll would already be closed.", field="closes_local")
        changes["closes_at"] = closes_at
    check_subject(
        session,
        poll.library_id,
        changes.get("book_id", poll.book_id),
        changes.get("challenge_id", poll.challenge_id),
    )
    for key, value in changes.items():
        setattr(poll, key, value)
    session.add(poll)
    session.flush()
    return poll
