"""Polls over HTTP: staff ask and close; members vote once and see results when allowed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models.quizzes import Poll, PollCreate, PollPublic, PollUpdate, VoteIn
from app.programmes.polls import service
from app.programmes.quizzes import editing
from app.programmes.quizzes.endpoints import LangQuery
from app.services.members import library_of

router = APIRouter(prefix="/v1/polls", tags=["polls"])

PollId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def get_visible_poll(poll_id: PollId, member: CurrentMember, session: SessionDep) -> Poll:
    return service.visible(session, member, poll_id)


def get_managed_poll(poll_id: PollId, staff: StaffMember, session: SessionDep) -> Poll:
    return service.editable(session, staff, poll_id)


VisiblePoll = Annotated[Poll, Depends(get_visible_poll)]
ManagedPoll = Annotated[Poll, Depends(get_managed_poll)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=PollPublic, responses=problems(401, 403)
)
def create_poll(
    data: PollCreate, staff: StaffMember, lib: StaffLibrary, session: SessionDep, clock: ClockDep
) -> PollPublic:
    """Ask your library's members one question (staff)."""
    now = clock.now()
    poll = service.create(session, staff, lib, data, now)
    return service.public(session, poll, staff, staff.language, now)


@router.get("", response_model=Page[PollPublic], responses=problems(401, 409))
def list_polls(
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[Literal["open", "closed"], Query()] = "open",
    lang: LangQuery = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[PollPublic]:
    """Your library's open (or closed) polls, newest first."""
    lib = library_of(session, member)
    items, nxt = service.list_for(
        session, member, lib, lang or member.language, status, clock.now(), limit, cursor
    )
    return Page(items=items, next_cursor=nxt)


@router.get("/{poll_id}", response_model=PollPublic, responses=problems(401, 404))
def get_poll(
    poll: VisiblePoll,
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    lang: LangQuery = None,
) -> PollPublic:
    """The question, its options, your vote, and the results when they may be shown."""
    return service.public(session, poll, member, lang or member.language, clock.now())


@router.patch("/{poll_id}", response_model=PollPublic, responses=problems(401, 403, 404, 409))
def edit_poll(
    poll: ManagedPoll,
    data: PollUpdate,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> PollPublic:
    """Change a poll (staff). After the first vote the question and options may only be
    reworded: options cannot be added or removed, nor the subject changed."""
    now = clock.now()
    poll = editing.update_poll(session, poll, lib, data, now)
    return service.public(session, poll, staff, staff.language, now)


@router.post("/{poll_id}/vote", response_model=PollPublic, responses=problems(401, 404, 409))
def vote(
    poll: VisiblePoll, data: VoteIn, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> PollPublic:
    """Vote once; a closed poll refuses votes."""
    now = clock.now()
    service.vote(session, member, poll, data.option, now)
    return service.public(session, poll, member, member.language, now)


@router.post("/{poll_id}/close", response_model=PollPublic, responses=problems(401, 403, 404))
def close_poll(
    poll: ManagedPoll, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> PollPublic:
    """Close the poll now (staff): no more votes, and results show to everyone."""
    now = clock.now()
    return service.public(session, service.close(session, poll, now), staff, staff.language, now)
