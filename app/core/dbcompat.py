"""What SQLite and PostgreSQL spell differently, said once as SQLAlchemy constructs.

Statements anywhere in the app are built with these and compile right on either
engine; no service branches on the dialect to write SQL:

- `insert` — INSERT with `ON CONFLICT ... DO NOTHING / DO UPDATE` (and RETURNING).
  Both engines have the same syntax, and SQLite's compiler renders the construct
  that PostgreSQL's dialect provides.
- `aggregate_list(expr, separator)` — the values of a group joined into one text:
  `string_agg` on PostgreSQL, `group_concat` on SQLite.
- `try_advisory_xact_lock(key)` — a transaction-scoped try-lock on PostgreSQL; true on
  SQLite, whose one writer at a time needs none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Text, cast
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as _pg_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["Insert", "aggregate_list", "insert", "try_advisory_xact_lock"]


def insert(table: Any) -> Insert:
    """INSERT that can say ON CONFLICT, on both engines."""
    return _pg_insert(table)


class aggregate_list(FunctionElement[str]):
    """The group's values as one text, separated by `separator` (NULL for no rows)."""

    type = Text()
    inherit_cache = True
    name = "aggregate_list"

    def __init__(self, expr: ColumnElement[Any], separator: ColumnElement[str]) -> None:
        super().__init__(expr, separator)


@compiles(aggregate_list, "postgresql")
def _aggregate_list_pg(element: aggregate_list, compiler: SQLCompiler, **kw: Any) -> str:
    expr, separator = element.clauses
    text, sep = compiler.process(cast(expr, Text), **kw), compiler.process(separator, **kw)
    return f"string_agg({text}, {sep})"


@compiles(aggregate_list)
def _aggregate_list(element: aggregate_list, compiler: SQLCompiler, **kw: Any) -> str:
    expr, separator = element.clauses
    return f"group_concat({compiler.process(expr, **kw)}, {compiler.process(separator, **kw)})"


class try_advisory_xact_lock(FunctionElement[bool]):
    """Whether this transaction got the advisory lock `key` (held until it ends)."""

    type = Boolean()
    inherit_cache = True
    name = "try_advisory_xact_lock"


@compiles(try_advisory_xact_lock, "postgresql")
def _try_lock_pg(element: try_advisory_xact_lock, compiler: SQLCompiler, **kw: Any) -> str:
    return f"pg_try_advisory_xact_lock({compiler.process(element.clauses, **kw)})"


@compiles(try_advisory_xact_lock)
def _try_lock(element: try_advisory_xact_lock, compiler: SQLCompiler, **kw: Any) -> str:
    return "1"
