"""Opaque cursors and the one list envelope every collection endpoint returns."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlmodel import Session

from app.core.problems import bad_request

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=100, description="Page size (1-100).")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=200, description="Opaque cursor from a previous page's next_cursor."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, fields: dict[str, type]) -> dict[str, Any] | None:
    """Read a cursor back; anything not made by encode_cursor is a 400."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_request("The cursor is not valid.", slug="invalid-cursor") from None
    if not isinstance(data, dict) or set(data) != set(fields):
        raise bad_request("The cursor is not valid.", slug="invalid-cursor")
    for name, typ in fields.items():
        value = data[name]
        if typ is int and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62
        ):
            raise bad_request("The cursor is not valid.", slug="invalid-cursor")
        if typ is str and (not isinstance(value, str) or len(value) > 64 or "\x00" in value):
            raise bad_request("The cursor is not valid.", slug="invalid-cursor")
    return data


def paginate(
    rows: list[T], limit: int, key: Callable[[T], dict[str, Any]]
) -> tuple[list[T], str | None]:
    """Cut a page from `limit + 1` fetched rows; the cursor points after its last row."""
    page = rows[:limit]
    return page, encode_cursor(key(page[-1])) if len(rows) > limit and page else None


def id_page(
    session: Session,
    stmt: Select[Any],
    column: Any,
    key_of: Callable[[Any], int | None],
    limit: int,
    cursor: str | None,
    *,
    newest_first: bool = False,
    scalars: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of `stmt` in the order of the integer `column` (descending with
    `newest_first`), after the row the `{"id": …}` cursor points at; `key_of` reads a
    fetched row's key, `scalars` fetches the first entity of each row alone."""
    after = decode_cursor(cursor, {"id": int})
    stmt = stmt.order_by(column.desc() if newest_first else column).limit(limit + 1)
    if after:
        stmt = stmt.where(column < after["id"] if newest_first else column > after["id"])
    result = session.execute(stmt)
    rows: list[Any] = list(result.scalars() if scalars else result.all())
    return paginate(rows, limit, lambda r: {"id": key_of(r) or 0})
