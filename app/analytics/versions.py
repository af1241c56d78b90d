"""The rollups' version, and the figures a process keeps while it stands.

Every write that moves a library's rollups (a batch of the backlog, a bonus or a
withdrawal's day rows, a registration, a recount) also adds one to the library's
version, in the same transaction: a reserved `activity_day` cell (`VERSION_SCOPE`, a
scope no figure reads and the recount never makes), striped over a few rows so that
concurrent writers rarely share one, and written in key order with the cells it comes
with (it sorts first: no new lock order). The version is the stripes' sum; it only
grows.

An analytics call reads, in one statement (`head`), the library, whether the backlog
waits, the version, and the few live figures the rollups do not hold (the review
queue, the newest badge award). Figures computed from the rollups are kept per process
under that head and served while the database reads the same: a log, a registration or
a bonus booked through any process moves the version, so the very next call of every
process recomputes; nothing expires by time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlmodel import Session

from app.core import dbcompat
from app.core.db import PerEngine
from app.core.hotsql import HotSql
from app.models.analytics import ActivityDay, AnalyticsBacklog
from app.models.badge import BadgeAward
from app.models.library import Library
from app.models.reading import ReadingLog

VERSION_SCOPE = -1  # the `activity_day.challenge_id` of the version rows
VERSION_DAY = date(2000, 1, 1)
VERSION_AGE = "#"
STRIPES = 16
KEPT = 1024  # figures kept per engine, least recently used out


def cell(library_id: int, stripe: int) -> tuple[Any, ...]:
    """The `activity_day` key of one of a library's version rows."""
    return (library_id, VERSION_SCOPE, VERSION_DAY, VERSION_AGE, str(stripe % STRIPES))


def _head() -> HotSql:
    """The library (by id or slug), whether the backlog waits, the version, the review
    queue (count, newest id) and the newest badge award."""
    lib = Library.__table__.alias("l")
    v = ActivityDay.__table__.alias("v")
    # SQLite's statistics make its planner scan the whole log for the review queue;
    # the (library, status) index finds the few waiting.
    r = dbcompat.indexed_by(ReadingLog.__table__, "r", "ix_reading_log_library_id_status")
    b = BadgeAward.__table__.alias("b")
    waiting = AnalyticsBacklog.__table__

    def queue(of: Any) -> Any:
        return (
            select(of)
            .where(
                r.c.library_id == lib.c.id,
                r.c.status == "pending_review",
                r.c.deleted_at.is_(None),
            )
            .scalar_subquery()
        )

    return HotSql(
        select(
            lib.c.id,
            lib.c.slug,
            lib.c.timezone,
            select(waiting.c.id).exists(),
            select(func.coalesce(func.sum(v.c.logs), 0))
            .where(v.c.library_id == lib.c.id, v.c.challenge_id == VERSION_SCOPE)
            .scalar_subquery(),
            queue(func.count()),
            queue(func.max(r.c.id)),
            select(func.max(b.c.id)).scalar_subquery(),
        ).where(
            or_(
                lib.c.id == bindparam("library_id", type_=lib.c.id.type),
                lib.c.slug == bindparam("slug", type_=lib.c.slug.type),
            )
        )
    )


_HEAD = _head()


@dataclass(frozen=True, slots=True)
class Head:
    """A library as an analytics call finds it: what the kept figures are checked by."""

    library_id: int
    slug: str
    timezone: str
    waiting: bool  # the backlog holds logs the rollups have not taken in
    version: int
    live: tuple[int, int, int]  # review queue: count, newest id; newest badge award

    @property
    def id(self) -> int:
        return self.library_id

    @property
    def stamp(self) -> tuple[int, int, int, int]:
        return (self.version, *self.live)


def head(
    session: Session, *, library_id: int | None = None, slug: str | None = None
) -> Head | None:
    """The library (by id, or by slug) and its versions, in one statement."""
    rows = _HEAD.run(session, {"library_id": library_id, "slug": slug})
    if not rows:
        return None
    lib_id, lib_slug, tz, waiting, version, pending, newest, badge = rows[0]
    return Head(
        int(lib_id),
        str(lib_slug),
        str(tz),
        bool(waiting),
        int(version or 0),
        (int(pending or 0), int(newest or 0), int(badge or 0)),
    )


def version(session: Session, library_id: int) -> tuple[int, int, int, int] | None:
    """`Head.stamp` of a library, read in the session's own transaction."""
    found = head(session, library_id=library_id)
    return None if found is None else found.stamp


# -- kept figures ------------------------------------------------------------------------


class _Kept:
    def __init__(self) -> None:
        self.found: OrderedDict[tuple[object, ...], tuple[object, object]] = OrderedDict()
        self.lock = threading.Lock()


_kept = PerEngine(_Kept)
_of = _kept.of


def kept(session: Session, key: tuple[object, ...], stamp: object) -> Any | None:
    """What was kept under `key` when the head read `stamp`, else None."""
    k = _of(session)
    found = k.found.get(key)
    if found is None or found[0] != stamp:
        return None
    with k.lock:
        if key in k.found:
            k.found.move_to_end(key)
    return found[1]


def keep(session: Session, key: tuple[object, ...], stamp: object, value: object) -> None:
    k = _of(session)
    with k.lock:
        k.found[key] = (stamp, value)
        k.found.move_to_end(key)
        while len(k.found) > KEPT:
            k.found.popitem(last=False)
