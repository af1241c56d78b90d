"""Libraries: public list and profile; admins create; a library's staff edit settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.core.problems import unprocessable
from app.deps import AdminMember, ClockDep, SessionDep, StaffMember
from app.models.library import LibraryCreate, LibraryPublic, LibraryUpdate
from app.models.member import AppointStaff, MemberPublic
from app.models.rescore import RescorePreview, RescoreRequest
from app.services import libraries, rescore
from app.services.members import describe

router = APIRouter(prefix="/v1/libraries", tags=["libraries"])

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$")]


@router.get("", response_model=Page[LibraryPublic], responses=problems(400))
def list_libraries(
    session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[LibraryPublic]:
    """Every library that has joined, in slug order."""
    rows, next_cursor = libraries.list_libraries(session, limit, cursor)
    return Page(items=[LibraryPublic.of(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LibraryPublic,
    responses=problems(401, 403, 409),
)
def create_library(
    data: LibraryCreate, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> LibraryPublic:
    """Add a library (administrators)."""
    return LibraryPublic.of(libraries.create_library(session, data, clock.now()))


@router.get("/{slug}", response_model=LibraryPublic, responses=problems(404))
def get_library(slug: SlugPath, session: SessionDep) -> LibraryPublic:
    """A library's public profile and scoring settings."""
    return LibraryPublic.of(libraries.get_by_slug(session, slug))


@router.patch("/{slug}", response_model=LibraryPublic, responses=problems(401, 403, 404, 409, 422))
def update_library(
    slug: SlugPath, data: LibraryUpdate, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> LibraryPublic:
    """Change a library's settings (its own staff, or an administrator). Scoring rules
    that would make a badge or a live challenge unreachable are refused with the reason."""
    lib = libraries.staffed_by_slug(session, staff, slug)
    return LibraryPublic.of(libraries.update_library(session, lib, data, clock.now()))


@router.post(
    "/{slug}/staff",
    response_model=MemberPublic,
    responses=problems(401, 403, 404, 409),
)
def appoint_staff(
    slug: SlugPath, data: AppointStaff, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> MemberPublic:
    """Make a member of this library one of its staff (administrators)."""
    lib = libraries.get_by_slug(session, slug)
    member = libraries.appoint_staff(session, lib, data.member_id, clock.now())
    return describe(session, member, clock.now())


@router.post(
    "/{slug}/rescore",
    response_model=RescorePreview,
    responses=problems(401, 403, 404, 422),
)
def rescore_library(
    slug: SlugPath,
    data: RescoreRequest,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> RescorePreview:
    """Re-settle the library's ledger under its scoring rules (its staff, or an
    administrator). `dry_run` (the default) only says what would change, also for
    proposed `scoring` not yet saved; `dry_run: false` books it under the saved rules."""
    lib = libraries.staffed_by_slug(session, staff, slug)
    if data.dry_run:
        rules = libraries.proposed_rules(lib, data.scoring)
        return rescore.preview(session, lib, rules, clock.now())
    if data.scoring is not None:
        raise unprocessable(
            "Re-settlement applies the saved rules: save the new scoring settings first "
            "(PATCH /v1/libraries/{slug}), or send them with dry_run true to preview them.",
            field="scoring",
        )
    return rescore.apply(session, lib, clock.now())
