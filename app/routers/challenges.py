"""Monthly hashtag challenges: staff run them, members join and follow their progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.challenges import management, membership, views
from app.challenges.deps import EditableChallenge, VisibleChallenge
from app.core.clock import local_date
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models.challenge import (
    ChallengeCreate,
    ChallengePublic,
    ChallengeUpdate,
    MyProgress,
    ParticipantRow,
)
from app.models.enums import ChallengeStatus
from app.services import badges
from app.services.members import library_of

router = APIRouter(prefix="/v1/challenges", tags=["challenges"])


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
    items, nxt = views.list_for(session, member, lib, status, today, limit, cursor)
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
    ch = management.create(session, staff, lib, data, badges.rules_of(lib), now)
    return views.public(session, ch, lib, local_date(now, lib.timezone), staff, 0)


@router.get("/{challenge_id}", response_model=ChallengePublic, responses=problems(401, 404))
def get_challenge(
    found: VisibleChallenge, member: CurrentMember, session: SessionDep
) -> ChallengePublic:
    """One challenge, with your progress when you joined."""
    return views.public(session, found.challenge, found.library, found.today, member)


@router.patch(
    "/{challenge_id}", response_model=ChallengePublic, responses=problems(401, 403, 404, 409)
)
def update_challenge(
    found: EditableChallenge, data: ChallengeUpdate, staff: StaffMember, session: SessionDep
) -> ChallengePublic:
    """Edit a challenge; once started it cannot be made harder, but it can end early."""
    lib, today = found.library, found.today
    rules = badges.rules_of(lib)
    ch = management.update_challenge(session, found.challenge, data, rules, today, found.now)
    return views.public(session, ch, lib, today, staff)


@router.delete(
    "/{challenge_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409),
)
def delete_challenge(found: EditableChallenge, session: SessionDep) -> None:
    """Delete a challenge that has not started yet."""
    management.delete_challenge(session, found.challenge, found.today, found.now)


@router.post(
    "/{challenge_id}/join", response_model=MyProgress, responses=problems(401, 403, 404, 409)
)
def join_challenge(
    found: VisibleChallenge, member: CurrentMember, session: SessionDep
) -> MyProgress:
    """Join a challenge (eligible age groups only)."""
    membership.join(session, member, found.challenge, found.today, found.now)
    return views.my_progress(session, member, found.challenge)


@router.delete(
    "/{challenge_id}/join",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 409),
)
def leave_challenge(found: VisibleChallenge, member: CurrentMember, session: SessionDep) -> None:
    """Leave a challenge you have not completed."""
    membership.leave(session, member, found.challenge)


@router.get("/{challenge_id}/progress", response_model=MyProgress, responses=problems(401, 404))
def get_challenge_progress(
    found: VisibleChallenge, member: CurrentMember, session: SessionDep
) -> MyProgress:
    """Your progress ("12 of 20 books"), completion and when."""
    return views.my_progress(session, member, found.challenge)


@router.get(
    "/{challenge_id}/participants",
    response_model=Page[ParticipantRow],
    responses=problems(401, 403, 404),
)
def list_participants(
    found: EditableChallenge,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ParticipantRow]:
    """Who takes part, their progress, completion and flagged logs (staff)."""
    year = found.today.year
    items, nxt = membership.participants(session, found.challenge, year, limit, cursor)
    return Page(items=items, next_cursor=nxt)
