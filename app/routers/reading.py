"""Reading logs: log one (idempotently), sync the offline queue, list, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import Response
from sqlmodel import Session

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import (
    CallerFacts,
    ClaimsDep,
    ClockDep,
    CurrentMember,
    IdempotencyKeyHeader,
    SessionDep,
    SettingsDep,
    as_caller,
)
from app.integrations.webhooks import events
from app.models.enums import LogStatus
from app.models.reading import (
    BatchRequest,
    BatchResult,
    LogResult,
    ReadingLogCreate,
    ReadingLogPublic,
)
from app.reading import batch, context, history, logging

router = APIRouter(prefix="/v1/reading-logs", tags=["reading"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LogResult,
    responses=problems(401, 403, 404, 409),
)
async def create_reading_log(
    data: ReadingLogCreate,
    request: Request,
    claims: ClaimsDep,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Log reading; the answer holds the log, its points, new badges and new totals."""
    now = clock.now()

    def log(session: Session, caller: CallerFacts) -> tuple[int, str]:
        code, body = logging.create_log(
            session, caller.member, data, now, idempotency_key, settings.idempotency_hours
        )
        # Partners' events in the log's own transaction (no query without webhooks).
        events.after_logs(session, settings.secret_key, caller.member, (body,), now)
        return code, body

    # The busiest write: its whole unit of work runs on one worker thread.
    code, body = await as_caller(request, claims, log)
    return Response(body, status_code=code, media_type="application/json")


@router.post("/batch", response_model=BatchResult, responses=problems(401))
def sync_reading_logs(
    data: BatchRequest,
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> BatchResult:
    """Up to 100 queued logs, each with its `client_id`; one result per item."""
    now = clock.now()
    result = batch.batch(session, member, data.items, now, settings.idempotency_hours)
    done = (i.result.model_dump(mode="json") for i in result.items if i.result is not None)
    events.after_logs(session, settings.secret_key, member, done, now)
    return result


@router.get("", response_model=Page[ReadingLogPublic], responses=problems(401, 404))
def list_reading_logs(
    member: CurrentMember,
    session: SessionDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    member_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="One of your children")
    ] = None,
    status_filter: Annotated[
        LogStatus | None, Query(alias="status", description="Only logs in this state")
    ] = None,
) -> Page[ReadingLogPublic]:
    """Your logs (or a child's), newest first."""
    reader = context.reader_for(session, member, member_id)
    items, nxt = history.list_logs(session, reader, limit, cursor, status_filter)
    return Page(items=items, next_cursor=nxt)


# `:int`: a path that is no log id (`/batch`) is not this route's, so it answers 405.
@router.delete(
    "/{log_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404)
)
def delete_reading_log(
    log_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
) -> None:
    """Withdraw a log; its points are reversed on the ledger and unmet badges return."""
    history.delete_log(session, member, log_id, clock.now())
