"""Quizzes: staff write them on a book or a challenge; members answer, graded on the server.

The correct answers never leave the server before a member is done with the quiz (passed,
or out of tries). Tries are counted by one conditional atomic update of the member's
`quiz_result` row (`attempts < max_attempts AND passed_at IS NULL`), which also takes that
row's lock, so simultaneous submissions cannot exceed the limit; the pass that pays is
recorded by a second conditional update, so points are booked once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlmodel import Session

from app.core.access import is_staff_of, staff_only, visible_published
from app.core.clock import local_date
from app.core.db import insert_ignore
from app.core.pagination import id_page
from app.core.problems import conflict, unprocessable
from app.models.badge import Badge
from app.models.book import Book
from app.models.challenge import Challenge
from app.models.library import Library
from app.models.member import Member
from app.models.quizzes import (
    AnswersIn,
    MyQuizStanding,
    OptionOut,
    QuestionIn,
    QuestionOut,
    QuestionResult,
    Quiz,
    QuizAttempt,
    QuizCreate,
    QuizPublic,
    QuizResult,
    QuizStaffView,
    QuizSubmission,
)
from app.programmes.common import awards_out, book_reward, lock_row
from app.scoring.programmes import PROGRAMME_QUIZ, Question, grade
from app.services import ledger


def visible(session: Session, member: Member, quiz_id: int) -> Quiz:
    return visible_published(session, Quiz, quiz_id, member, "Quiz")


def editable(session: Session, staff: Member, quiz_id: int) -> Quiz:
    return staff_only(
        visible(session, staff, quiz_id), staff, "Only this library's staff may manage its quizzes."
    )


def check_subject(
    session: Session, library_id: int, book_id: int | None, challenge_id: int | None
) -> None:
    """A quiz or poll is on a catalogued book or on a challenge of the same library."""
    if book_id is not None and session.get(Book, book_id) is None:
        raise unprocessable("No book has that id.", field="book_id")
    if challenge_id is not None:
        ch = session.get(Challenge, challenge_id)
        if ch is None or ch.library_id != library_id or ch.deleted_at is not None:
            raise unprocessable("That challenge is not one of this library's.", "challenge_id")


def create(session: Session, staff: Member, lib: Library, data: QuizCreate, now: datetime) -> Quiz:
    check_subject(session, lib.id or 0, data.book_id, data.challenge_id)
    quiz = Quiz(
        library_id=lib.id or 0,
        title=data.title,
        title_en=data.title_en,
        description=data.description,
        book_id=data.book_id,
        challenge_id=data.challenge_id,
        questions=[q.model_dump() for q in data.questions],
        pass_percent=data.pass_percent,
        max_attempts=data.max_attempts,
        points=data.points,
        published=data.published,
        created_by=staff.id or 0,
        created_at=now,
    )
    session.add(quiz)
    session.flush()
    return quiz


def _text(raw: dict[str, object], key: str, language: str) -> str:
    if language == "en" and raw.get(f"{key}_en"):
        return str(raw[f"{key}_en"])
    return str(raw.get(key) or "")


def _standing(quiz: Quiz, result: QuizResult | None) -> MyQuizStanding:
    used = result.attempts if result else 0
    passed = bool(result and result.passed_at)
    return MyQuizStanding(
        attempts=used,
        attempts_left=0 if passed else max(0, quiz.max_attempts - used),
        passed=passed,
        best_percent=result.best_percent if result else 0,
    )


def public(session: Session, quiz: Quiz, member: Member, language: str) -> QuizPublic:
    lang = "en" if language == "en" else "id"
    result = session.get(QuizResult, (quiz.id, member.id))
    return QuizPublic(
        id=quiz.id or 0,
        title=quiz.title_en if lang == "en" and quiz.title_en else quiz.title,
        description=quiz.description,
        language=lang,
        book_id=quiz.book_id,
        challenge_id=quiz.challenge_id,
        pass_percent=quiz.pass_percent,
        max_attempts=quiz.max_attempts,
        points=quiz.points,
        published=quiz.published,
        questions=[
            QuestionOut(
                index=i,
                text=_text(q, "text", lang),
                options=[
                    OptionOut(index=j, text=_text(o, "text", lang))
                    for j, o in enumerate(q["options"])
                ],
                multiple=len(q["correct"]) > 1,
            )
            for i, q in enumerate(quiz.questions)
        ],
        me=_standing(quiz, result),
    )


def staff_view(session: Session, quiz: Quiz) -> QuizStaffView:
    attempts, members, passed = session.execute(
        select(
            func.coalesce(func.sum(QuizResult.attempts), 0),
            func.count(),
            func.count(QuizResult.passed_at),
        ).where(QuizResult.quiz_id == quiz.id, QuizResult.attempts > 0)
    ).one()
    return QuizStaffView(
        id=quiz.id or 0,
        title=quiz.title,
        title_en=quiz.title_en,
        description=quiz.description,
        book_id=quiz.book_id,
        challenge_id=quiz.challenge_id,
        pass_percent=quiz.pass_percent,
        max_attempts=quiz.max_attempts,
        points=quiz.points,
        published=quiz.published,
        questions=[QuestionIn(**q) for q in quiz.questions],
        attempts=int(attempts),
        members=int(members),
        passed=int(passed),
    )


def list_for(
    session: Session,
    member: Member,
    lib: Library,
    language: str,
    book_id: int | None,
    challenge_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[QuizPublic], str | None]:
    stmt = select(Quiz).where(Quiz.library_id == lib.id)
    if not is_staff_of(member, lib.id or 0):
        stmt = stmt.where(Quiz.published.is_(True))
    if book_id is not None:
        stmt = stmt.where(Quiz.book_id == book_id)
    if challenge_id is not None:
        stmt = stmt.where(Quiz.challenge_id == challenge_id)
    page, nxt = id_page(
        session, stmt, Quiz.id, lambda q: q.id, limit, cursor, newest_first=True, scalars=True
    )
    return [public(session, q, member, language) for q in page], nxt


def _chosen(quiz: Quiz, data: AnswersIn) -> list[frozenset[int]]:
    """The answers as sets, refused with the offending field when they cannot be graded."""
    questions = quiz.questions
    if len(data.answers) != len(questions):
        raise unprocessable(
            f"This quiz has {len(questions)} questions; send one answer list for each.",
            field="answers",
        )
    out = []
    for i, (q, answer) in enumerate(zip(questions, data.answers, strict=True)):
        field = f"answers.{i}"
        if len(set(answer)) != len(answer):
            raise unprocessable(f"Question {i + 1}: an option is chosen twice.", field=field)
        if any(o < 0 or o >= len(q["options"]) for o in answer):
            raise unprocessable(f"Question {i + 1} has no such option.", field=field)
        if len(q["correct"]) == 1 and len(answer) > 1:
            raise unprocessable(f"Question {i + 1} takes one answer.", field=field)
        out.append(frozenset(answer))
    return out


def submit(
    session: Session,
    member: Member,
    submitted_by: int,
    quiz: Quiz,
    data: AnswersIn,
    now: datetime,
) -> QuizSubmission:
    lock_row(session, quiz, share=True)  # graded by the questions as they are now
    chosen = _chosen(quiz, data)
    lib = session.get(Library, quiz.library_id)
    assert lib is not None
    key = (QuizResult.quiz_id == quiz.id, QuizResult.member_id == member.id)
    insert_ignore(
        session,
        QuizResult.__table__,
        {"quiz_id": quiz.id, "member_id": member.id, "attempts": 0, "best_percent": 0},
    )
    attempt_no = session.execute(
        update(QuizResult)
        .where(*key, QuizResult.attempts < quiz.max_attempts, QuizResult.passed_at.is_(None))
        .values(attempts=QuizResult.attempts + 1)
        .returning(QuizResult.attempts)
    ).scalar_one_or_none()
    if attempt_no is None:
        passed_at = session.execute(select(QuizResult.passed_at).where(*key)).scalar_one()
        if passed_at is not None:
            raise conflict("You have already passed this quiz.", "quiz-passed")
        raise conflict(
            f"You have used all {quiz.max_attempts} tries of this quiz.", "no-tries-left"
        )
    graded = grade(
        [Question(len(q["options"]), frozenset(q["correct"])) for q in quiz.questions],
        chosen,
        quiz.pass_percent,
    )
    session.add(
        QuizAttempt(
            quiz_id=quiz.id or 0,
            member_id=member.id or 0,
            attempt_no=attempt_no,
            answers=[sorted(a) for a in chosen],
            score=graded.score,
            percent=graded.percent,
            passed=graded.passed,
            submitted_at=now,
            submitted_by=submitted_by,
        )
    )
    session.execute(
        update(QuizResult)
        .where(*key)
        .values(
            best_percent=case(
                (QuizResult.best_percent < graded.percent, graded.percent),
                else_=QuizResult.best_percent,
            )
        )
    )
    booked: list[ledger.Booked] = []
    earned: list[Badge] = []
    if graded.passed:
        # The row is ours (locked by the update above): this records the one paying pass.
        session.execute(update(QuizResult).where(*key).values(passed_at=now))
        rows = [ledger.Row(PROGRAMME_QUIZ, quiz.points)] if quiz.points else []
        day = local_date(now, lib.timezone)
        booked, earned = book_reward(
            session, member, rows, badge_id=None, day=day, now=now, timezone=lib.timezone
        )
        own = next((b for b in booked if b.rule_code == PROGRAMME_QUIZ), None)
        if own is not None:
            session.execute(update(QuizResult).where(*key).values(ledger_entry_id=own.id))
    session.flush()
    left = 0 if graded.passed else quiz.max_attempts - attempt_no
    done = graded.passed or left == 0
    lang = "en" if member.language == "en" else "id"
    points, badges_out = awards_out(booked, earned)
    return QuizSubmission(
        quiz_id=quiz.id or 0,
        attempt_no=attempt_no,
        score=graded.score,
        questions_total=len(quiz.questions),
        percent=graded.percent,
        passed=graded.passed,
        attempts_left=left,
        results=[
            QuestionResult(
                index=i,
                correct=graded.correct[i],
                chosen=sorted(chosen[i]),
                correct_options=sorted(q["correct"]) if done else None,
                explanation=(_text(q, "explanation", lang) or None) if done else None,
            )
            for i, q in enumerate(quiz.questions)
        ],
        points=points,
        badges_earned=badges_out,
        totals=ledger.totals(session, member.id or 0),
    )
