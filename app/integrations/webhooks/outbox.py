"""The webhook outbox: an event becomes one delivery row per subscribed endpoint, written
in the transaction of the change that caused it, so nothing accepted is lost across a
restart and nothing rolled back is ever sent.

Which endpoints a library has is kept in memory per process, labelled with the library's
`catalogue_version`: every write to `webhook_endpoint` moves that version (trigger of
migration 0021), and the reading path loads the catalogue at the version it just read
with the library row. So on a log the subscriptions are known without a query while the
version stands: a library without webhooks costs two dictionary lookups per log.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, and_, bindparam, select
from sqlmodel import Session

from app.core.db import insert_ignore
from app.models.library import Library
from app.models.webhooks import WebhookDelivery, WebhookEndpoint
from app.services import catalogue


@dataclass(frozen=True, slots=True)
class Subscriptions:
    version: int
    by_type: dict[str, tuple[int, ...]]  # event type -> endpoint ids


NONE: dict[str, tuple[int, ...]] = {}
_e = WebhookEndpoint.__table__.c
_l = Library.__table__.c
_ACTIVE = (
    select(_l.catalogue_version, _e.id, _e.event_types)
    .select_from(
        Library.__table__.outerjoin(
            WebhookEndpoint.__table__,
            and_(_e.library_id == _l.id, _e.enabled.is_(True), _e.deleted_at.is_(None)),
        )
    )
    .where(_l.id == bindparam("library_id"))
    .order_by(_e.id)
)
_held: WeakKeyDictionary[Engine, dict[int, Subscriptions]] = WeakKeyDictionary()


def subscribed(session: Session, library_id: int | None) -> dict[str, tuple[int, ...]]:
    """The library's active endpoints by event type (empty: no webhooks at all)."""
    if library_id is None:
        return NONE
    engine = session.get_bind()
    by_library = _held.get(engine)
    if by_library is None:
        by_library = _held.setdefault(engine, {})
    found = by_library.get(library_id)
    if found is not None and found.version == catalogue.held_version(engine, library_id):
        return found.by_type
    rows = session.execute(_ACTIVE, {"library_id": library_id}).all()
    if not rows:
        return NONE
    by_type: dict[str, list[int]] = {}
    for _, endpoint_id, types in rows:
        for t in types or ():
            if endpoint_id is not None:
                by_type.setdefault(t, []).append(endpoint_id)
    # Labelled with the version read now, with the rows: never newer than what it holds.
    found = Subscriptions(rows[0][0], {t: tuple(ids) for t, ids in by_type.items()})
    by_library[library_id] = found
    return found.by_type


def new_msg_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(
    session: Session,
    endpoint_ids: tuple[int, ...],
    library_id: int,
    event_type: str,
    dedupe_key: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Queue the event for these endpoints; the same `dedupe_key` again queues nothing
    (a retried request, a replayed chat update)."""
    if not endpoint_ids:
        return
    body = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    msg_id = new_msg_id()
    for endpoint_id in endpoint_ids:
        insert_ignore(
            session,
            WebhookDelivery.__table__,
            {
                "endpoint_id": endpoint_id,
                "library_id": library_id,
                "msg_id": msg_id,
                "event_type": event_type,
                "dedupe_key": dedupe_key[:120],
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
