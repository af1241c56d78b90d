"""Staff review of flagged reading logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problems import problems
from app.deps import ClockDep, SessionDep, StaffLibrary, StaffMember
from app.models.reading import LogResult, ReadingLogPublic
from app.services import moderation
from app.services.moderation import FlaggedLog

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])

LogId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/reading-logs", response_model=Page[FlaggedLog], responses=problems(401, 403, 404))
def list_flagged_logs(
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    status: Annotated[
        str, Query(pattern="^(pending_review|rejected|accepted)$")
    ] = "pending_review",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FlaggedLog]:
    """Logs of your library waiting for review (oldest first)."""
    items, nxt = moderation.queue(session, status, limit, cursor, lib.id or 0)
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/reading-logs/{log_id}/approve",
    response_model=LogResult,
    responses=problems(401, 403, 404, 409),
)
def approve_log(
    log_id: LogId, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> LogResult:
    """Count a flagged log: its points are awarded now."""
    return moderation.approve(session, staff, log_id, clock.now())


@router.post(
    "/reading-logs/{log_id}/reject",
    response_model=ReadingLogPublic,
    responses=problems(401, 403, 404, 409),
)
def reject_log(
    log_id: LogId, staff: StaffMember, session: SessionDep, clock: ClockDep
) -> ReadingLogPublic:
    """Refuse a flagged log: its pending points are dropped."""
    return moderation.reject(session, staff, log_id, clock.now())
