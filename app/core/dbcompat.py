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
- `indexed_by(table, name, index)` — `table AS name` read by one named index: SQLite's
  `INDEXED BY`, where its statistics would make its planner scan; the plain alias on
  PostgreSQL. (SQLAlchemy's `with_hint` renders nothing on SQLite.)
- `json_from_text(expr)` — JSON text stored as it is in a JSON column: a cast on
  PostgreSQL, the text itself on SQLite (whose JSON is text; a CAST there would not be).
- `one_writer_at_a_time(session)` — whether the engine serialises write transactions
  itself (SQLite), so row locks and advisory locks would only cost a round trip.
- `read_one_snapshot(session)` — the rest of the transaction reads one snapshot
  (REPEATABLE READ on PostgreSQL; a SQLite transaction reads one already).

Row locks need nothing here: `select(...).with_for_update(skip_locked=True)` renders no
clause on SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Text, cast
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as _pg_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session

__all__ = [
    "Insert",
    "aggregate_list",
    "indexed_by",
    "insert",
    "json_from_text",
    "one_writer_at_a_time",
    "read_one_snapshot",
    "try_advisory_xact_lock",
]

# The isolation level that reads one snapshot, where the default does not.
_SNAPSHOT_ISOLATION = {"postgresql": "REPEATABLE READ"}


def one_writer_at_a_time(session: Session) -> bool:
    """Whether the engine runs one write transaction at a time (SQLite's BEGIN
    IMMEDIATE): then a lock taken to serialise writers is already held."""
    return session.get_bind().dialect.name == "sqlite"


def read_one_snapshot(session: Session) -> None:
    """Make the session's transaction (not begun yet) read one snapshot throughout."""
    level = _SNAPSHOT_ISOLATION.get(session.get_bind().dialect.name)
    if level is not None:
        session.connection(execution_options={"isolation_level": level})


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


class indexed_by(Alias):
    """`table AS name`, read by the index `index` on SQLite."""

    inherit_cache = True
    _traverse_internals = [*Alias._traverse_internals, ("index", InternalTraversal.dp_string)]

    def __init__(self, table: FromClause, name: str, index: str) -> None:
        self._init(table, name=name)
        self.index = index


@compiles(indexed_by, "sqlite")
def _indexed_by_sqlite(element: indexed_by, compiler: SQLCompiler, **kw: Any) -> str:
    text: str = compiler.visit_alias(element, **kw)  # type: ignore[no-untyped-call]
    if kw.get("asfrom") and not kw.get("ashint"):
        text += f" INDEXED BY {compiler.preparer.quote(element.index)}"
    return text


@compiles(indexed_by)
def _indexed_by(element: indexed_by, compiler: SQLCompiler, **kw: Any) -> str:
    text: str = compiler.visit_alias(element, **kw)  # type: ignore[no-untyped-call]
    return text


class json_from_text(FunctionElement[Any]):
    """A JSON value given as its text, stored as it is (no parse and dump in Python)."""

    type = JSON()
    inherit_cache = True
    name = "json_from_text"


@compiles(json_from_text, "postgresql")
def _json_from_text_pg(element: json_from_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS JSON)"


@compiles(json_from_text)
def _json_from_text(element: json_from_text, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)
