"""A challenge loaded once per request, as a dependency: found, checked, with its library's
today (`VisibleChallenge` for readers, `EditableChallenge` for its library's staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session

from app.challenges.management import editable
from app.challenges.views import visible
from app.core.clock import local_date
from app.core.problem_docs import raises
from app.deps import ClockDep, CurrentMember, SessionDep, StaffMember
from app.models.challenge import Challenge
from app.models.library import Library
from app.services.members import library_by_id

ChallengeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@dataclass(frozen=True, slots=True)
class ChallengeInContext:
    """A challenge with its library and the library's clock reading for this request."""

    challenge: Challenge
    library: Library
    now: datetime
    today: date


def in_context(session: Session, ch: Challenge, now: datetime) -> ChallengeInContext:
    # A challenge's library exists (a foreign key holds it): no 409 to document here.
    lib = library_by_id(session, ch.library_id)
    return ChallengeInContext(ch, lib, now, local_date(now, lib.timezone))


@raises(404)
def get_visible_challenge(
    challenge_id: ChallengeId, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> ChallengeInContext:
    return in_context(session, visible(session, member, challenge_id), clock.now())


@raises(403, 404)
def get_editable_challenge(
    challenge_id: ChallengeId, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> ChallengeInContext:
    return in_context(session, editable(session, staff, challenge_id), clock.now())


VisibleChallenge = Annotated[ChallengeInContext, Depends(get_visible_challenge)]
EditableChallenge = Annotated[ChallengeInContext, Depends(get_editable_challenge)]
