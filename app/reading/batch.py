"""The offline queue: a batch of logs, each under its client id as idempotency key."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from app.core.problems import Problem, body_of
from app.models.member import Member
from app.models.reading import (
    BatchItem,
    BatchItemResult,
    BatchResult,
    LogResult,
    ReadingLogCreate,
)
from app.reading.logging import log_reading
from app.scoring import ACCEPTED
from app.services import (
    idempotency,
    ledger,
)


def problem_of(exc: Problem) -> dict[str, object]:
    return body_of(exc)  # worded from the catalogue, in the request's language


def batch(
    session: Session,
    caller: Member,
    items: list[dict[str, object]],
    now: datetime,
    keep_hours: int,
) -> BatchResult:
    """The offline queue: each item on its own, under its client id as idempotency key."""
    results: list[BatchItemResult] = []
    seen: set[str] = set()
    for index, raw in enumerate(items):
        client_id = raw.get("client_id") if isinstance(raw, dict) else None
        cid = client_id if isinstance(client_id, str) else None
        try:
            item = BatchItem.model_validate(raw)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            problem = Problem(422, "validation", "This item is not valid.", errors=errors)
            results.append(
                BatchItemResult(
                    client_id=cid, index=index, outcome="error", problem=problem_of(problem)
                )
            )
            continue
        data = ReadingLogCreate.model_validate(item.model_dump(exclude={"client_id"}))
        if item.client_id in seen:
            problem = Problem(422, "duplicate-client-id", "This client_id appears twice.")
            results.append(
                BatchItemResult(
                    client_id=item.client_id,
                    index=index,
                    outcome="error",
                    problem=problem_of(problem),
                )
            )
            continue
        seen.add(item.client_id)
        fp = idempotency.fingerprint(data.model_dump(mode="json"))
        try:
            with session.begin_nested():
                stored = idempotency.lookup(session, caller.id or 0, item.client_id, fp, now)
                if stored is not None:
                    results.append(
                        BatchItemResult(
                            client_id=item.client_id,
                            index=index,
                            outcome="duplicate",
                            result=LogResult.model_validate(stored.body),
                        )
                    )
                    continue
                result = log_reading(session, caller, data, now)
                idempotency.store(
                    session,
                    caller.id or 0,
                    item.client_id,
                    fp,
                    201,
                    result.model_dump(mode="json"),
                    now,
                    keep_hours,
                )
        except Problem as exc:
            results.append(
                BatchItemResult(
                    client_id=item.client_id, index=index, outcome="error", problem=problem_of(exc)
                )
            )
            continue
        results.append(
            BatchItemResult(
                client_id=item.client_id,
                index=index,
                outcome="accepted" if result.log.status == ACCEPTED else "pending_review",
                result=result,
            )
        )
    return BatchResult(items=results, totals=ledger.totals(session, caller.id or 0))
