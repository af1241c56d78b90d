"""A library's badge catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary
from app.models.badge import BadgeCreate, BadgePublic
from app.services import badges, libraries
from app.services.members import library_of

router = APIRouter(prefix="/v1/badges", tags=["badges"])


@router.get("", response_model=list[BadgePublic], responses=problems(401, 404))
def list_badges(
    member: CurrentMember,
    session: SessionDep,
    library: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,40}$")] = None,
) -> list[BadgePublic]:
    """The badges of your library (or another library, by slug)."""
    lib = libraries.get_by_slug(session, library) if library else library_of(session, member)
    return [badges.public(b) for b in badges.catalogue(session, lib.id or 0)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BadgePublic,
    responses=problems(401, 403, 404, 409),
)
def create_badge(
    data: BadgeCreate, lib: StaffLibrary, session: SessionDep, clock: ClockDep
) -> BadgePublic:
    """Add a badge to your library; one no member could ever reach is refused."""
    return badges.public(badges.create(session, lib, data, clock.now()))
