"""Monthly hashtag challenges: staff run them, members join and follow their progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.core.clock import local_date
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problems import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models.challenge import (
    ChallengeCreate,
    ChallengePublic,
    ChallengeUpdate,
    MyProgress,
    ParticipantRow,
)
from app.models.enums import ChallengeStatus
from app.services import badges, challenges
from app.services.members import library_of

router = APIRouter(prefix="/v1/challenges", tags=["challenges"])

ChallengeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=Page[ChallengePublic], responses=problems(401))
def list_challenges(
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[
        ChallengeStatus | None, Query(description="Only challenges in this state")
    ] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[ChallengePublic]:
    """Your library's challenges, with your progress in those you joined."""
    lib = library_of(session, member)
    today = local_date(clock.now(), lib.timezone)
    items, nxt = challenges.list_for(session, member, lib, status, today, limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ChallengePublic,
    responses=problems(401, 403, 404, 409),
)
def create_challenge(
    data: ChallengeCreate,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> ChallengePublic:
    """Create a challenge for your library; an unreachable target is refused."""
    now = clock.now()
    ch = challenges.create(session, staff, lib, data, badges.rules_of(lib), now)
    return challenges.public(session, ch, lib, local_date(now, lib.timezone), staff, 0)


@router.get("/{challenge_id}", response_model=ChallengePublic, responses=problems(401, 404))
def get_challenge(
    challenge_id: ChallengeId, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> ChallengePublic:
    """One challenge, with your progress when you joined."""
    ch = challenges.visible(session, member, challenge_id)
    lib = challenges.ensure(session, ch.library_id)
    return challenges.public(session, ch, lib, local_date(clock.now(), lib.timezone), member)


@router.patch(
    "/{challenge_id}", response_model=ChallengePublic, responses=problems(401, 403, 404, 409)
)
def update_challenge(
    challenge_id: ChallengeId,
    data: ChallengeUpdate,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> ChallengePublic:
    """Edit a challenge; once started it cannot be made harder, but it can end early."""
    ch = challenges.editable(session, staff, challenge_id)
    lib = challenges.ensure(session, ch.library_id)
    now = clock.now()
    today = local_date(now, lib.timezone)
    ch = challenges.update_challenge(session, ch, data, badges.rules_of(lib), today, now)
    return challenges.public(session, ch, lib, today, staff)


@router.delete(
    "/{challenge_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409),
)
def delete_challenge(
    challenge_id: ChallengeId, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> None:
    """Delete a challenge that has not started yet."""
    ch = challenges.editable(session, staff, challenge_id)
    lib = challenges.ensure(session, ch.library_id)
    now = clock.now()
    challenges.delete_challenge(session, ch, local_date(now, lib.timezone), now)


@router.post(
    "/{challenge_id}/join", response_model=MyProgress, responses=problems(401, 403, 404, 409)
)
def join_challenge(
    challenge_id: ChallengeId, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> MyProgress:
    """Join a challenge (eligible age groups only)."""
    ch = challenges.visible(session, member, challenge_id)
    lib = challenges.ensure(session, ch.library_id)
    now = clock.now()
    challenges.join(session, member, ch, local_date(now, lib.timezone), now)
    return challenges.my_progress(session, member, ch)


@router.delete(
    "/{challenge_id}/join",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 409),
)
def leave_challenge(challenge_id: ChallengeId, member: CurrentMember, session: SessionDep) -> None:
    """Leave a challenge you have not completed."""
    ch = challenges.visible(session, member, challenge_id)
    challenges.leave(session, member, ch)


@router.get("/{challenge_id}/progress", response_model=MyProgress, responses=problems(401, 404))
def get_challenge_progress(
    challenge_id: ChallengeId, member: CurrentMember, session: SessionDep
) -> MyProgress:
    """Your progress ("12 of 20 books"), completion and when."""
    ch = challenges.visible(session, member, challenge_id)
    return challenges.my_progress(session, member, ch)


@router.get(
    "/{challenge_id}/participants",
    response_model=Page[ParticipantRow],
    responses=problems(401, 403, 404),
)
def list_participants(
    challenge_id: ChallengeId,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ParticipantRow]:
    """Who takes part, their progress, completion and flagged logs (staff)."""
    ch = challenges.editable(session, staff, challenge_id)
    lib = challenges.ensure(session, ch.library_id)
    year = local_date(clock.now(), lib.timezone).year
    items, nxt = challenges.participants(session, ch, year, limit, cursor)
    return Page(items=items, next_cursor=nxt)
