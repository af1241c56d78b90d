"""Prize drawings over HTTP: staff define, freeze, draw, redraw and record pick-up; members
see drawings, their tickets, the winners (children by nickname) and the export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models.drawings import (
    ClaimIn,
    Drawing,
    DrawingCreate,
    DrawingExport,
    DrawingPublic,
    MyPrize,
    RedrawIn,
    WinnerPublic,
    WinnerStaffView,
)
from app.models.library import Library
from app.programmes.drawings import entries, service, winners
from app.services.members import library_of

router = APIRouter(prefix="/v1/drawings", tags=["drawings"])

DrawingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WinnerId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def get_visible_drawing(
    drawing_id: DrawingId, member: CurrentMember, session: SessionDep
) -> Drawing:
    return service.visible(session, member, drawing_id)


def get_managed_drawing(drawing_id: DrawingId, staff: StaffMember, session: SessionDep) -> Drawing:
    return service.editable(session, staff, drawing_id)


VisibleDrawing = Annotated[Drawing, Depends(get_visible_drawing)]
ManagedDrawing = Annotated[Drawing, Depends(get_managed_drawing)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DrawingPublic,
    responses=problems(401, 403),
)
def create_drawing(
    data: DrawingCreate,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> DrawingPublic:
    """Define a drawing for a challenge or a period: eligibility, weighting, winners (staff)."""
    return service.public(session, service.create(session, staff, lib, data, clock.now()))


@router.get("", response_model=Page[DrawingPublic], responses=problems(401, 409))
def list_drawings(
    member: CurrentMember, session: SessionDep, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[DrawingPublic]:
    """Your library's drawings, newest first, with your tickets once entries are fixed."""
    items, nxt = service.list_for(session, member, library_of(session, member), limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.get("/won", response_model=list[MyPrize], responses=problems(401))
def my_prizes(member: CurrentMember, session: SessionDep) -> list[MyPrize]:
    """The prizes you won, and whether they were picked up."""
    return winners.my_prizes(session, member)


@router.get("/{drawing_id}", response_model=DrawingPublic, responses=problems(401, 404))
def get_drawing(d: VisibleDrawing, member: CurrentMember, session: SessionDep) -> DrawingPublic:
    """One drawing: its conditions, the published commitments and, once drawn, the seed."""
    return service.public(session, d, member)


@router.post(
    "/{drawing_id}/freeze", response_model=DrawingPublic, responses=problems(401, 403, 404, 409)
)
def freeze_drawing(d: ManagedDrawing, session: SessionDep, clock: ClockDep) -> DrawingPublic:
    """Fix the entries and commit to the seed; refused when nobody is eligible (staff)."""
    lib = session.get(Library, d.library_id)
    assert lib is not None
    return service.public(session, entries.freeze(session, d.id or 0, lib, clock.now()))


@router.post(
    "/{drawing_id}/draw", response_model=DrawingPublic, responses=problems(401, 403, 404, 409)
)
def draw(d: ManagedDrawing, session: SessionDep, clock: ClockDep) -> DrawingPublic:
    """Draw the winners from the fixed entries and seed; once (staff)."""
    return service.public(session, winners.draw(session, d.id or 0, clock.now()))


@router.get(
    "/{drawing_id}/winners", response_model=list[WinnerPublic], responses=problems(401, 404)
)
def list_winners(d: VisibleDrawing, session: SessionDep) -> list[WinnerPublic]:
    """The winners in draw order, children by nickname; redraws say whom they replace."""
    return winners.winners(session, d)


@router.get(
    "/{drawing_id}/winners/manage",
    response_model=list[WinnerStaffView],
    responses=problems(401, 403, 404),
)
def list_winners_for_staff(d: ManagedDrawing, session: SessionDep) -> list[WinnerStaffView]:
    """The winners with their members, pick-ups and redraws (staff)."""
    return winners.winners_for_staff(session, d)


@router.post(
    "/{drawing_id}/winners/{winner_id}/claim",
    response_model=WinnerStaffView,
    responses=problems(401, 403, 404, 409),
)
def claim_prize(
    d: ManagedDrawing,
    winner_id: WinnerId,
    data: ClaimIn,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> WinnerStaffView:
    """Record that a prize was picked up, and by whom if not the winner (staff)."""
    w = winners.claim(session, staff, d.id or 0, winner_id, data, clock.now())
    return next(v for v in winners.winners_for_staff(session, d) if v.id == w.id)


@router.post(
    "/{drawing_id}/winners/{winner_id}/redraw",
    response_model=WinnerStaffView,
    responses=problems(401, 403, 404, 409),
)
def redraw_prize(
    d: ManagedDrawing,
    winner_id: WinnerId,
    data: RedrawIn,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> WinnerStaffView:
    """Give an unclaimed prize to the next entry in the draw order, with the reason (staff)."""
    w = winners.redraw(session, staff, d.id or 0, winner_id, data, clock.now())
    return next(v for v in winners.winners_for_staff(session, d) if v.id == w.id)


@router.get("/{drawing_id}/export", response_model=DrawingExport, responses=problems(401, 404, 409))
def export_drawing(d: VisibleDrawing, session: SessionDep) -> DrawingExport:
    """Entries, commitments, the seed once drawn, winners and the algorithm: enough to
    recompute the draw."""
    return winners.export(session, d)
