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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.core import dbcompat
from app.core.db import advisory_lock_id
from app.core.hotsql import HotSql
from app.core.problems import Problem
from app.models.reading import IdempotencyKey

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Stored:
    status: int
    body: Any  # as the row gave it: a dict, or the JSON text when read as text


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


_KEYS = IdempotencyKey.__table__
_ik = _KEYS.c
# What `settle` reads of a key's row.
_ROW = (_ik.id, _ik.fingerprint, _ik.state, _ik.response_status, _ik.response_body, _ik.expires_at)
# One round trip: try the key's advisory lock (PostgreSQL; granted on SQLite, which
# runs one writer at a time) and read the key's row, if there is one.
_ONE = select(1).subquery("one")
_LOCK_AND_FIND = select(
    dbcompat.try_advisory_xact_lock(bindparam("lock_id")).label("got"), *_ROW
).select_from(
    _ONE.outerjoin(
        _KEYS, and_(_ik.member_id == bindparam("member_id"), _ik.key == bindparam("key"))
    )
)


def _lock_and_find(session: Session, member_id: int, key: str) -> Any:
    """The key's row (id, fingerprint, state, response, expiry) or None; 409 if in flight."""
    r = (
        session.connection()
        .execute(
            _LOCK_AND_FIND,
            {
                "lock_id": lock_id(member_id, key),
                "member_id": member_id,
                "key": key,
            },
        )
        .one()
    )
    if not r.got:
        raise in_flight()
    return r if r.id is not None else None


# A batch's keys at once: their rows, and (PostgreSQL) each key's try-lock, in two
# statements whatever the number of keys.
_ROWS_OF_KEYS = select(_ik.key, *_ROW).where(
    _ik.member_id == bindparam("member_id"), _ik.key.in_(bindparam("keys", expanding=True))
)


def lock_and_find_many(
    session: Session, member_id: int, keys: list[str]
) -> tuple[dict[str, Any], set[str]]:
    """`_lock_and_find` for many keys: the rows found by key, and the keys in flight
    (another request holds their lock: a retry of a batch that is still running)."""
    if not keys:
        return {}, set()
    conn = session.connection()
    locks = select(
        *(
            dbcompat.try_advisory_xact_lock(bindparam(f"l{n}")).label(f"k{n}")
            for n in range(len(keys))
        )
    )
    got = conn.execute(locks, {f"l{n}": lock_id(member_id, k) for n, k in enumerate(keys)}).one()
    busy = {k for k, ok in zip(keys, got, strict=True) if not ok}
    rows = conn.execute(_ROWS_OF_KEYS, {"member_id": member_id, "keys": keys}).all()
    return {r.key: r for r in rows}, busy


def lookup(session: Session, member_id: int, key: str, fp: str, now: datetime) -> Stored | None:
    """The stored response for this key, or None when the work should be done now."""
    return settle(session, _lock_and_find(session, member_id, key), fp, now)


def lock_id(member_id: int, key: str) -> int:
    """The advisory lock a key's first request holds while it runs (PostgreSQL)."""
    return advisory_lock_id(f"idempotency:{member_id}", key)


def settle(session: Session, row: Any, fp: str, now: datetime) -> Stored | None:
    """What a key's row (id, fingerprint, state, response_status, response_body,
    expires_at; or None) says: replay its response, refuse, or do the work now."""
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
    body: dict[str, Any] | str,
    now: datetime,
    hours: int,
) -> None:
    """Keep a key's response: a dict, or its JSON text as it was answered."""
    insert = _INSERT_TEXT if isinstance(body, str) else _INSERT
    try:
        insert.run(
            session,
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


def _insert(response_body: ColumnElement[Any]) -> HotSql:
    """INSERT of a key's row, every column but the id a parameter of its name."""
    values: dict[Any, Any] = {c: bindparam(c.key, type_=c.type) for c in _KEYS.c if c is not _ik.id}
    values[_ik.response_body] = response_body
    return HotSql(dbcompat.insert(_KEYS).values(values).inline())


_INSERT = _insert(bindparam("response_body", type_=_ik.response_body.type))
# The same with the body already JSON text (stored as it is).
_INSERT_TEXT = _insert(dbcompat.json_from_text(bindparam("response_body", type_=String())))


def purge_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(result.rowcount)


def run_once(
    session: Session,
    member_id: int,
    key: str | None,
    payload: dict[str, Any],
    now: datetime,
    hours: int,
    work: Callable[[], dict[str, Any]],
    status: int = 201,
) -> tuple[int, dict[str, Any]]:
    """Do `work` once per key: a retry with the same payload gets the first answer."""
    if key is None:
        return status, work()
    fp = fingerprint(payload)
    stored = lookup(session, member_id, key, fp, now)
    if stored is not None:
        return stored.status, stored.body
    body = work()
    store(session, member_id, key, fp, status, body, now, hours)
    return status, body
