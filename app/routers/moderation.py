"""Staff review of flagged reading logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, SessionDep, SettingsDep, StaffLibrary, StaffMember
from app.integrations.webhooks import events
from app.models.enums import LogStatus
from app.models.member import Member
from app.models.reading import LogResult, ReadingLogPublic
from app.services import moderation
from app.services.moderation import Decision, FlaggedLog

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])

LogId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/reading-logs", response_model=Page[FlaggedLog], responses=problems(401, 403, 404))
def list_flagged_logs(
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    status: Annotated[LogStatus, Query(description="Which logs")] = LogStatus.PENDING_REVIEW,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FlaggedLog]:
    """Logs of your library waiting for review (oldest first)."""
    items, nxt = moderation.queue(session, status, limit, cursor, lib.id or 0)
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/reading-logs/{log_id}/approve",
    response_model=LogResult,
    responses=problems(401, 403, 404, 409, 422),
)
def approve_log(
    log_id: LogId,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    decision: Decision | None = None,
) -> LogResult:
    """Count a flagged log: its points are awarded now. Staff never review their own
    logs; an optional `reason` is shown to the member."""
    reason = decision.reason if decision else None
    now = clock.now()
    result = moderation.approve(session, staff, log_id, now, reason)
    reader = session.get(Member, result.log.member_id)
    if reader is not None:
        done = (result.model_dump(mode="json"),)
        events.after_logs(session, settings.secret_key, reader, done, now)
    return result


@router.post(
    "/reading-logs/{log_id}/reject",
    response_model=ReadingLogPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def reject_log(
    log_id: LogId,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    decision: Decision | None = None,
) -> ReadingLogPublic:
    """Refuse a flagged log: its pending points are dropped. Staff never review their
    own logs; an optional `reason` is shown to the member."""
    reason = decision.reason if decision else None
    return moderation.reject(session, staff, log_id, clock.now(), reason)
