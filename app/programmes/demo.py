"""Demo programmes for `python -m app demo`: in each demo library an upcoming event, a quiz
on this month's challenge and an open poll; safe to load twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import local_date
from app.models.challenge import Challenge
from app.models.events import Event, EventCreate
from app.models.library import Library
from app.models.member import Member
from app.models.quizzes import Poll, PollCreate, Quiz, QuizCreate
from app.programmes.events import service as events
from app.programmes.polls import service as polls
from app.programmes.quizzes import service as quizzes

EVENT_TITLE = "Bedah Buku: Laskar Pelangi"
QUIZ_TITLE = "Kuis Tantangan Baca Bulan Ini"
POLL_QUESTION = "Buku apa yang kita bedah bulan depan?"

QUIZ = {
    "title": QUIZ_TITLE,
    "title_en": "This month's reading challenge quiz",
    "description": "Tiga pertanyaan tentang membaca dan perpustakaan. Lulus: 2 dari 3.",
    "pass_percent": 66,
    "max_attempts": 2,
    "points": 30,
    "questions": [
        {
            "text": "Siapa penulis novel Laskar Pelangi?",
            "text_en": "Who wrote the novel Laskar Pelangi?",
            "options": [
                {"text": "Andrea Hirata"},
                {"text": "Pramoedya Ananta Toer"},
                {"text": "Dee Lestari"},
            ],
            "correct": [0],
            "explanation": "Andrea Hirata menerbitkannya pada 2005.",
            "explanation_en": "Andrea Hirata published it in 2005.",
        },
        {
            "text": "Mana saja yang dihitung dalam poin membaca BacaQuest?",
            "text_en": "Which of these count towards BacaQuest reading points?",
            "options": [
                {"text": "Halaman", "text_en": "Pages"},
                {"text": "Menit membaca", "text_en": "Minutes read"},
                {"text": "Jumlah sampul", "text_en": "Number of covers"},
            ],
            "correct": [0, 1],
            "explanation": "Halaman dan menit membaca menjadi poin.",
            "explanation_en": "Pages and minutes read become points.",
        },
        {
            "text": "Apa nama indeks kegemaran membaca dari Perpusnas?",
            "text_en": "What is Perpusnas' reading-fondness index called?",
            "options": [{"text": "TGM"}, {"text": "IPM"}, {"text": "PISA"}],
            "correct": [0],
            "explanation": "Tingkat Gemar Membaca (TGM).",
            "explanation_en": "Tingkat Gemar Membaca (TGM), the reading-fondness index.",
        },
    ],
}


def _staff(session: Session, lib: Library) -> Member | None:
    return session.execute(
        select(Member).where(Member.email == f"staff.{lib.slug}@bacaquest.demo")
    ).scalar_one_or_none()


def ensure_demo_programmes(session: Session, now: datetime) -> None:
    """Add whatever of the demo programmes a demo library lacks."""
    for lib in session.execute(select(Library).order_by(Library.id)).scalars():
        staff = _staff(session, lib)
        if staff is None:
            continue
        _ensure_event(session, lib, staff, now)
        _ensure_quiz(session, lib, staff, now)
        _ensure_poll(session, lib, staff, now)
    session.flush()


def _ensure_event(session: Session, lib: Library, staff: Member, now: datetime) -> None:
    upcoming = session.execute(
        select(Event.id).where(
            Event.library_id == lib.id, Event.title == EVENT_TITLE, Event.ends_at >= now
        )
    ).first()
    if upcoming:
        return
    today = local_date(now, lib.timezone)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    data = EventCreate(
        title=EVENT_TITLE,
        description=(
            f"Diskusi novel Laskar Pelangi bersama komunitas baca {lib.city}. "
            "Check-in dengan kode yang diumumkan di acara dan dapatkan poin."
        ),
        kind="discussion",
        place=f"Aula {lib.name}",
        starts_local=datetime.combine(saturday, time(10, 0)),
        ends_local=datetime.combine(saturday, time(12, 0)),
        capacity=40,
        points=25,
    )
    events.create(session, staff, lib, data, now)


def _ensure_quiz(session: Session, lib: Library, staff: Member, now: datetime) -> None:
    today = local_date(now, lib.timezone)
    challenge = session.execute(
        select(Challenge)
        .where(
            Challenge.library_id == lib.id,
            Challenge.deleted_at.is_(None),
            Challenge.starts_on <= today,
            Challenge.ends_on >= today,
        )
        .order_by(Challenge.id)
        .limit(1)
    ).scalar_one_or_none()
    if challenge is None:
        return
    exists = session.execute(
        select(Quiz.id).where(Quiz.library_id == lib.id, Quiz.challenge_id == challenge.id)
    ).first()
    if exists:
        return
    quizzes.create(session, staff, lib, QuizCreate(**QUIZ, challenge_id=challenge.id), now)


def _ensure_poll(session: Session, lib: Library, staff: Member, now: datetime) -> None:
    exists = session.execute(
        select(Poll.id).where(
            Poll.library_id == lib.id, Poll.question == POLL_QUESTION, Poll.closed_at.is_(None)
        )
    ).first()
    if exists:
        return
    data = PollCreate(
        question=POLL_QUESTION,
        question_en="Which book shall we discuss next month?",
        options=[
            {"text": "Bumi Manusia"},
            {"text": "Cantik Itu Luka"},
            {"text": "Pulang"},
            {"text": "Ronggeng Dukuh Paruk"},
        ],
        results="after_vote",
    )
    polls.create(session, staff, lib, data, now)
