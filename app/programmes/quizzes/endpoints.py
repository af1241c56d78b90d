"""Quizzes over HTTP: staff write them; members (and children, through their guardian's
child token) read the questions without answers and submit once per try."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import CallerDep, ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models import enums
from app.models.quizzes import (
    AnswersIn,
    Quiz,
    QuizCreate,
    QuizPublic,
    QuizStaffView,
    QuizSubmission,
    QuizUpdate,
)
from app.programmes.quizzes import editing, service
from app.services.members import library_of

router = APIRouter(prefix="/v1/quizzes", tags=["quizzes"])

QuizId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LangQuery = Annotated[
    enums.Language | None,
    Query(description="Language of the texts; by default the member's"),
]
IdQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def get_visible_quiz(quiz_id: QuizId, member: CurrentMember, session: SessionDep) -> Quiz:
    return service.visible(session, member, quiz_id)


def get_managed_quiz(quiz_id: QuizId, staff: StaffMember, session: SessionDep) -> Quiz:
    return service.editable(session, staff, quiz_id)


VisibleQuiz = Annotated[Quiz, Depends(get_visible_quiz)]
ManagedQuiz = Annotated[Quiz, Depends(get_managed_quiz)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=QuizStaffView,
    responses=problems(401, 403),
)
def create_quiz(
    data: QuizCreate, staff: StaffMember, lib: StaffLibrary, session: SessionDep, clock: ClockDep
) -> QuizStaffView:
    """Write a quiz on a book or one of your library's challenges (staff)."""
    quiz = service.create(session, staff, lib, data, clock.now())
    return service.staff_view(session, quiz)


@router.get("", response_model=Page[QuizPublic], responses=problems(401, 409))
def list_quizzes(
    member: CurrentMember,
    session: SessionDep,
    lang: LangQuery = None,
    book_id: IdQuery = None,
    challenge_id: IdQuery = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[QuizPublic]:
    """Your library's quizzes, newest first, optionally those on one book or challenge."""
    lib = library_of(session, member)
    items, nxt = service.list_for(
        session, member, lib, lang or member.language, book_id, challenge_id, limit, cursor
    )
    return Page(items=items, next_cursor=nxt)


@router.get("/{quiz_id}", response_model=QuizPublic, responses=problems(401, 404))
def get_quiz(
    quiz: VisibleQuiz, member: CurrentMember, session: SessionDep, lang: LangQuery = None
) -> QuizPublic:
    """The questions and options (never the correct answers) and your tries so far."""
    return service.public(session, quiz, member, lang or member.language)


@router.get("/{quiz_id}/manage", response_model=QuizStaffView, responses=problems(401, 403, 404))
def get_quiz_for_staff(quiz: ManagedQuiz, session: SessionDep) -> QuizStaffView:
    """The quiz with its answers, and how many tried and passed (staff)."""
    return service.staff_view(session, quiz)


@router.patch("/{quiz_id}", response_model=QuizStaffView, responses=problems(401, 403, 404, 409))
def edit_quiz(quiz: ManagedQuiz, data: QuizUpdate, session: SessionDep) -> QuizStaffView:
    """Change a quiz (staff). Once a member has submitted it, only the wording may change
    (the same questions, options and correct answers), it may be (un)published and its
    tries raised; the questions, answers, pass mark, points and subject are locked."""
    return service.staff_view(session, editing.update_quiz(session, quiz, data))


@router.post(
    "/{quiz_id}/submissions",
    response_model=QuizSubmission,
    responses=problems(401, 404, 409),
)
def submit_quiz(
    quiz: VisibleQuiz, data: AnswersIn, caller: CallerDep, session: SessionDep, clock: ClockDep
) -> QuizSubmission:
    """Answer every question; graded here. Passing earns the quiz's points once; the correct
    answers and explanations come back once you passed or have no tries left."""
    member = caller.member
    submitted_by = caller.acting_guardian_id or member.id or 0
    return service.submit(session, member, submitted_by, quiz, data, clock.now())
