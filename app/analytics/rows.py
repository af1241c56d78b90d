"""Rollup rows written many at a time: multi-row statements of 2**k rows, compiled once
per table and row count, so a batch (or a log's few rows) is cut into a few of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session

from app.core import dbcompat
from app.core.hotsql import HotSql
from app.models.analytics import ActivityDay, MemberPeriod, MemberTopic, TopicDay

_ROWS_PER_STATEMENT = 512
_PARAMETERS = 20000  # per statement: well under SQLite's 32766
_TABLES: dict[str, Any] = {
    m.__tablename__: m.__table__ for m in (ActivityDay, MemberPeriod, MemberTopic, TopicDay)
}


def first_seen(
    session: Session, model: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Insert the rows not there yet; those it inserted."""
    out: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(rows), len(columns)):
        stmt = _insert_new(model.__tablename__, columns, len(chunk))
        out.extend(stmt.run(session, _params(columns, chunk)))
    return out


def add_counts(
    session: Session,
    model: Any,
    key: tuple[str, ...],
    counts: tuple[str, ...],
    cells: Mapping[tuple[Any, ...], Mapping[str, int]],
) -> None:
    """Add the cells' counts to their rows, in key order (concurrent writers of the same
    rows take their locks in one order)."""
    columns = (*key, *counts)
    rows = [(*cell, *(cells[cell][c] for c in counts)) for cell in sorted(cells)]
    for chunk in _chunks(rows, len(columns)):
        _add_counts(model.__tablename__, key, counts, len(chunk)).run(
            session, _params(columns, chunk)
        )


def _chunks(rows: list[tuple[Any, ...]], width: int) -> Iterable[list[tuple[Any, ...]]]:
    most = 1 << (min(_ROWS_PER_STATEMENT, _PARAMETERS // width).bit_length() - 1)
    i = 0
    while i < len(rows):
        n = min(most, 1 << ((len(rows) - i).bit_length() - 1))
        yield rows[i : i + n]
        i += n


def _params(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {f"{c}_{i}": v for i, row in enumerate(rows) for c, v in zip(columns, row, strict=True)}


def _values(table: Any, columns: tuple[str, ...], n: int) -> list[dict[str, Any]]:
    return [{c: bindparam(f"{c}_{i}", type_=table.c[c].type) for c in columns} for i in range(n)]


@lru_cache(maxsize=128)
def _insert_new(name: str, columns: tuple[str, ...], n: int) -> HotSql:
    table = _TABLES[name]
    return HotSql(
        dbcompat.insert(table)
        .values(_values(table, columns, n))
        .on_conflict_do_nothing()
        .returning(*(table.c[c] for c in columns))
    )


@lru_cache(maxsize=128)
def _add_counts(name: str, key: tuple[str, ...], counts: tuple[str, ...], n: int) -> HotSql:
    table = _TABLES[name]
    stmt = dbcompat.insert(table).values(_values(table, (*key, *counts), n))
    return HotSql(
        stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in key],
            set_={c: table.c[c] + stmt.excluded[c] for c in counts},
        )
    )
