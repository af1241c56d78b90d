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

from sqlmodel import Session

from app.core.db import PerEngine
from app.core.hotsql import HotSql

VERSION_SCOPE = -1  # the `activity_day.challenge_id` of the version rows
VERSION_DAY = date(2000, 1, 1)
VERSION_AGE = "#"
STRIPES = 16
KEPT = 1024  # figures kept per engine, least recently used out


def cell(library_id: int, stripe: int) -> tuple[Any, ...]:
    """The `activity_day` key of one of a library's version rows."""
    return (library_id, VERSION_SCOPE, VERSION_DAY, VERSION_AGE, str(stripe % STRIPES))


# One statement per dialect: SQLite's statistics make its planner scan the whole log
# for the review queue; the (library, status) index finds the few waiting.
_HEAD_SQLITE = HotSql(
    "SELECT l.id, l.slug, l.timezone,"
    " EXISTS (SELECT 1 FROM analytics_backlog),"
    " (SELECT coalesce(sum(v.logs), 0) FROM activity_day v"
    "  WHERE v.library_id = l.id AND v.challenge_id = -1),"
    " (SELECT count(*) FROM reading_log r INDEXED BY ix_reading_log_library_id_status"
    "  WHERE r.library_id = l.id AND r.status = 'pending_review' AND r.deleted_at IS NULL),"
    " (SELECT max(r.id) FROM reading_log r INDEXED BY ix_reading_log_library_id_status"
    "  WHERE r.library_id = l.id AND r.status = 'pending_review' AND r.deleted_at IS NULL),"
    " (SELECT max(b.id) FROM badge_award b)"
    " FROM library l WHERE l.id = :library_id OR l.slug = :slug"
)
_HEAD = HotSql(
    "SELECT l.id, l.slug, l.timezone,"
    " EXISTS (SELECT 1 FROM analytics_backlog),"
    " (SELECT coalesce(sum(v.logs), 0) FROM activity_day v"
    "  WHERE v.library_id = l.id AND v.challenge_id = -1),"
    " (SELECT count(*) FROM reading_log r"
    "  WHERE r.library_id = l.id AND r.status = 'pending_review' AND r.deleted_at IS NULL),"
    " (SELECT max(r.id) FROM reading_log r"
    "  WHERE r.library_id = l.id AND r.status = 'pending_review' AND r.deleted_at IS NULL),"
    " (SELECT max(b.id) FROM badge_award b)"
    " FROM library l WHERE l.id = :library_id OR l.slug = :slug"
)


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
    stmt = _HEAD_SQLITE if session.get_bind().dialect.name == "sqlite" else _HEAD
    rows = stmt.run(session, {"library_id": library_id, "slug": slug})
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
