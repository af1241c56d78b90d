"""The caller's own profile and their children's profiles."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.core.clock import local_date
from app.core.problems import problems
from app.deps import AdultMember, CallerDep, ClockDep, SessionDep
from app.models.member import ChildCreate, ChildPublic, MemberPublic, MemberUpdate
from app.services import members

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=MemberPublic, responses=problems(401))
def get_me(caller: CallerDep, session: SessionDep, clock: ClockDep) -> MemberPublic:
    """Who the token speaks for (a child, when a guardian acts for one)."""
    return members.describe(session, caller.member, clock.now(), caller.acting_guardian_id)


@router.patch("", response_model=MemberPublic, responses=problems(401, 409))
def update_me(
    data: MemberUpdate, caller: CallerDep, session: SessionDep, clock: ClockDep
) -> MemberPublic:
    """Change display name, nickname, school, language or leaderboard opt-out."""
    member = members.update_me(session, caller.member, data)
    return members.describe(session, member, clock.now(), caller.acting_guardian_id)


@router.get("/children", response_model=list[ChildPublic], responses=problems(401, 403))
def list_children(guardian: AdultMember, session: SessionDep, clock: ClockDep) -> list[ChildPublic]:
    """The child profiles this guardian manages."""
    year = members.current_year(session, guardian, clock.now())
    return [members.child_public(c, year) for c in members.list_children(session, guardian)]


@router.post(
    "/children",
    status_code=status.HTTP_201_CREATED,
    response_model=ChildPublic,
    responses=problems(401, 403, 409),
)
def create_child(
    data: ChildCreate, guardian: AdultMember, session: SessionDep, clock: ClockDep
) -> ChildPublic:
    """Add a child profile (12 and under): no password, shown by nickname only."""
    now = clock.now()
    child = members.create_child(session, guardian, data, now)
    lib = members.library_of(session, guardian)
    return members.child_public(child, local_date(now, lib.timezone).year)
