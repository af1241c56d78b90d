"""Idempotency-Key (IETF httpapi draft): a retry gets the first response, never a second log.

Keys are per member. A key is stored with its response in the same transaction as the
work it guarded, and the unique (member, key) pair makes that happen once whatever the
race. While a first request is still running, a PostgreSQL advisory try-lock on the key
turns a concurrent retry into a 409 instead of a wait (SQLite runs one write transaction
at a time, so there a retry simply waits for the first and gets its response).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.db import try_advisory_lock
from app.core.problems import Problem
from app.models.reading import IdempotencyKey

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Stored:
    status: int
    body: dict[str, Any]


def fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def in_flight() -> Problem:
    return Problem(
        409,
        "idempotency-in-flight",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        headers={"Retry-After": "1"},
    )


_FIND = select(IdempotencyKey).where(
    IdempotencyKey.member_id == bindparam("member_id"), IdempotencyKey.key == bindparam("key")
)


def lookup(session: Session, member_id: int, key: str, fp: str, now: datetime) -> Stored | None:
    """The stored response for this key, or None when the work should be done now."""
    if not try_advisory_lock(session, f"idempotency:{member_id}", key):
        raise in_flight()
    row = session.execute(_FIND, {"member_id": member_id, "key": key}).scalar_one_or_none()
    if row is not None and row.expires_at <= now:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
        row = None
    if row is None:
        return None
    if row.fingerprint != fp:
        raise Problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was already used with a different request body.",
        )
    if row.state != "done" or row.response_status is None or row.response_body is None:
        raise in_flight()
    return Stored(row.response_status, row.response_body)


def store(
    session: Session,
    member_id: int,
    key: str,
    fp: str,
    status: int,
    body: dict[str, Any],
    now: datetime,
    hours: int,
) -> None:
    try:
        session.execute(
            _INSERT,
            {
                "member_id": member_id,
                "key": key,
                "fingerprint": fp,
                "state": "done",
                "response_status": status,
                "response_body": body,
                "created_at": now,
                "expires_at": now + timedelta(hours=hours),
            },
        )
    except IntegrityError:
        # Another transaction stored this key first: ours must not count too. The
        # request fails as a whole, so no savepoint is needed around the insert.
        raise in_flight() from None


_INSERT = insert(IdempotencyKey.__table__)


def purge_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(result.rowcount)
