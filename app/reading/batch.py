"""The offline queue: a batch of logs, each under its client id as idempotency key.

A batch is one unit of work. Its items are checked first (shape, a client id twice);
the keys of all of them are read (and, on PostgreSQL, try-locked) in two statements;
each reader is locked and their facts read once, then each item is logged under a
savepoint with the facts the items before it left (`Locked.after_log`), oldest day
first: a week of offline reading sent newest first earns what it earns sent in order
(`tests/routers/test_arrival_order.py`), without paying each earlier day's streaks
again as it arrives. Results come back in the items' order, one each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from sqlmodel import Session

from app.core.problems import Problem, body_of
from app.models.member import Member, MemberLike
from app.models.reading import (
    BatchItem,
    BatchItemResult,
    BatchResult,
    LogResult,
    ReadingLogCreate,
)
from app.reading.context import Locked, locked_context, reader_for
from app.reading.logging import log_reading
from app.scoring import ACCEPTED
from app.services import (
    idempotency,
    ledger,
)


def problem_of(exc: Problem) -> dict[str, object]:
    return body_of(exc)  # worded from the catalogue, in the request's language


@dataclass(slots=True)
class _Item:
    index: int
    client_id: str
    data: ReadingLogCreate
    fingerprint: str


def _checked(items: list[dict[str, object]], results: list[BatchItemResult | None]) -> list[_Item]:
    """The items that are well formed, each client id once; the others' results set."""
    todo: list[_Item] = []
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
            results[index] = _error(cid, index, problem)
            continue
        if item.client_id in seen:
            problem = Problem(422, "duplicate-client-id", "This client_id appears twice.")
            results[index] = _error(item.client_id, index, problem)
            continue
        seen.add(item.client_id)
        data = ReadingLogCreate.model_validate(item.model_dump(exclude={"client_id"}))
        fp = idempotency.fingerprint(data.model_dump(mode="json"))
        todo.append(_Item(index, item.client_id, data, fp))
    return todo


def _error(client_id: str | None, index: int, problem: Problem) -> BatchItemResult:
    return BatchItemResult(
        client_id=client_id, index=index, outcome="error", problem=problem_of(problem)
    )


def batch(
    session: Session,
    caller: Member,
    items: list[dict[str, object]],
    now: datetime,
    keep_hours: int,
) -> BatchResult:
    """The offline queue: each item on its own, under its client id as idempotency key."""
    results: list[BatchItemResult | None] = [None] * len(items)
    todo = _checked(items, results)
    caller_id = caller.id or 0
    rows, busy = idempotency.lock_and_find_many(session, caller_id, [i.client_id for i in todo])
    # Whose reading each item is (the caller, or their child), each reader locked once,
    # in id order (two batches of one family lock its members in the same order).
    whose: dict[int | None, MemberLike | Problem] = {}
    for member_id in {i.data.member_id for i in todo}:
        try:
            whose[member_id] = reader_for(session, caller, member_id)
        except Problem as exc:
            whose[member_id] = exc
    facts: dict[int, Locked | Problem] = {}
    for reader in sorted(
        (r for r in whose.values() if not isinstance(r, Problem)), key=lambda r: r.id or 0
    ):
        if (reader.id or 0) not in facts:
            try:
                facts[reader.id or 0] = locked_context(session, reader, now)
            except Problem as exc:  # no library: each of the reader's items says so
                facts[reader.id or 0] = exc

    def facts_of(item: _Item) -> Locked | Problem:
        reader = whose[item.data.member_id]
        return reader if isinstance(reader, Problem) else facts[reader.id or 0]

    def day_of(item: _Item) -> date:
        locked = facts_of(item)
        if item.data.read_on is not None or isinstance(locked, Problem):
            return item.data.read_on or date.max
        return locked.ctx.today

    for item in sorted(todo, key=day_of):
        locked = facts_of(item)
        if isinstance(locked, Problem):
            results[item.index] = _error(item.client_id, item.index, locked)
            continue
        if item.client_id in busy:
            results[item.index] = _error(item.client_id, item.index, idempotency.in_flight())
            continue
        try:
            with session.begin_nested():
                stored = idempotency.settle(
                    session, rows.get(item.client_id), item.fingerprint, now
                )
                if stored is not None:
                    results[item.index] = BatchItemResult(
                        client_id=item.client_id,
                        index=item.index,
                        outcome="duplicate",
                        result=LogResult.model_validate(stored.body),
                    )
                    continue
                result = log_reading(session, caller, item.data, now, locked=locked)
                idempotency.store(
                    session,
                    caller_id,
                    item.client_id,
                    item.fingerprint,
                    201,
                    result.model_dump_json(),  # its JSON text, stored as it is
                    now,
                    keep_hours,
                )
        except Problem as exc:
            results[item.index] = _error(item.client_id, item.index, exc)
            continue
        counted = result.log.status == ACCEPTED
        facts[locked.ctx.member.id or 0] = locked.after_log(
            session,
            counted=counted,
            badges=(b.id for b in result.badges_earned),
            challenges=(c.challenge_id for c in result.challenges),
            genre=result.log.book.genre,
        )
        results[item.index] = BatchItemResult(
            client_id=item.client_id,
            index=item.index,
            outcome="accepted" if counted else "pending_review",
            result=result,
        )
    done = [r for r in results if r is not None]
    assert len(done) == len(items)  # every item answered once
    return BatchResult(items=done, totals=ledger.totals(session, caller_id))
