"""Programmes around reading (events, quizzes): their ledger rule codes and pure decisions.

Check-in codes, the check-in window and quiz grading live here, with no session, clock or
I/O: the services gather the facts, these functions decide, and the services book the
rows through the ledger like every other rule.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# Ledger rule codes: bonus points, kept apart from reading points and from each other.
PROGRAMME_EVENT: Final = "programme.event"
PROGRAMME_QUIZ: Final = "programme.quiz"
PROGRAMME_REVIEW: Final = "programme.review"
PROGRAMME_CODES: Final[frozenset[str]] = frozenset(
    {PROGRAMME_EVENT, PROGRAMME_QUIZ, PROGRAMME_REVIEW}
)
# An approved review of a finished book earns this once per member and book.
REVIEW_POINTS: Final = 10

# Easy to read aloud and to type from a screen: no 0/O, no 1/l/I.
CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 8
# Characters a member may type for one of the alphabet's (read aloud, misheard).
_LOOKALIKES: Final[dict[str, str]] = {"0": "O", "1": "I", "L": "I"}


def new_code(length: int = CODE_LENGTH) -> str:
    """A random check-in code (31**8 ≈ 8.5e11 codes; guessing is also rate-limited)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str | None:
    """The code as stored, from what a member typed: case-insensitive, spaces and dashes
    ignored. None when it cannot be a code (wrong length or characters no code has)."""
    cleaned = "".join(c for c in raw.upper() if c not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def lookalike_hint(raw: str) -> bool:
    """Whether `raw` holds a character no code has but one is often mistaken for."""
    return any(c in _LOOKALIKES for c in raw.upper())


@dataclass(frozen=True, slots=True)
class CheckInWindow:
    opens_at: datetime
    closes_at: datetime


def check_in_window(starts_at: datetime, ends_at: datetime, grace_minutes: int) -> CheckInWindow:
    """Check-in opens `grace_minutes` before the start and closes as long after the end."""
    grace = timedelta(minutes=grace_minutes)
    return CheckInWindow(opens_at=starts_at - grace, closes_at=ends_at + grace)


def check_in_refusal(window: CheckInWindow, now: datetime) -> str | None:
    """'not-open-yet' or 'closed' when `now` is outside the window, else None."""
    if now < window.opens_at:
        return "not-open-yet"
    if now > window.closes_at:
        return "closed"
    return None


@dataclass(frozen=True, slots=True)
class Question:
    """A multiple-choice question: `correct` holds the indexes of the right options."""

    options: int
    correct: frozenset[int]


@dataclass(frozen=True, slots=True)
class Grade:
    correct: tuple[bool, ...]  # per question, in order
    score: int  # questions answered right
    percent: int  # floor of score * 100 / questions
    passed: bool


def grade(
    questions: Sequence[Question], answers: Sequence[frozenset[int]], pass_percent: int
) -> Grade:
    """Grade one attempt. A question counts only when exactly its correct options are chosen
    (several may be right); a missing answer is wrong. Raises ValueError on an answer list of
    the wrong length or an option a question does not have."""
    if len(answers) != len(questions):
        raise ValueError(f"expected {len(questions)} answers, got {len(answers)}")
    right: list[bool] = []
    for i, (q, chosen) in enumerate(zip(questions, answers, strict=True)):
        if any(o < 0 or o >= q.options for o in chosen):
            raise ValueError(f"question {i + 1} has no such option")
        right.append(chosen == q.correct)
    score = sum(right)
    percent = score * 100 // len(questions) if questions else 0
    return Grade(tuple(right), score, percent, bool(questions) and percent >= pass_percent)
