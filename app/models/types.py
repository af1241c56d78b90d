"""Column types and constrained input types shared by every model."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, GetJsonSchemaHandler, StringConstraints, TypeAdapter
from sqlalchemy import DateTime, MetaData
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can alter them on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def naming_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC; always read back as an aware datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text and control characters have no place in names.
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def _one_line(value: str) -> str:
    if any(c in value for c in "\n\r\t"):
        raise ValueError("must be a single line")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def _line(value: str) -> str:
    """A one-line text: printable, on a single line, not blank (stripped)."""
    return _not_blank(_one_line(_printable(value)))


Name = Annotated[str, StringConstraints(min_length=1, max_length=80), AfterValidator(_line)]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_line)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_line)]
LongText = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_printable)]
SearchText = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(_printable), AfterValidator(_one_line)
]
Password = Annotated[
    str, StringConstraints(min_length=10, max_length=256), AfterValidator(_printable)
]
Language = Annotated[str, Field(pattern=r"^(id|en)$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")]
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class DocumentedAs:
    """Validate and serialise a field as its own type, but publish another's JSON schema.

    For a field whose runtime shape must stay as it is (a map whose key order is the
    client's, say) while the document names the precise type it always holds.
    """

    def __init__(self, shown: Any) -> None:
        self.shown = shown

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        return handler(TypeAdapter(self.shown).core_schema)
