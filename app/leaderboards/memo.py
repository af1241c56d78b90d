"""What a process keeps of the boards between requests, always checked against the database.

Every board request reads the board's head first (`store.head`: one statement): the
library's settings as they are now, and the board's two versions. A library's settings
kept here are used to find the board and are then checked against the head's; a board's
top is kept with the versions it was read at, and served only while the head reads the
same. A change made through any process (a log, a profile, a library's settings) moves
what the head reads, so every process sees it on its next request, with no time-to-live
and no extra statement.

Versions only grow; a database restored from an older copy under running processes could
meet versions they have seen: restart them, as for the catalogue's ids.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlmodel import Session

from app.core.db import PerEngine
from app.models.leaderboard import LeaderboardEntry

TOPS_KEPT = 512  # boards x filters x limits kept per engine, least recently used out


@dataclass(frozen=True, slots=True)
class Lib:
    id: int
    slug: str
    timezone: str
    staff_on_boards: bool


@dataclass(frozen=True, slots=True)
class Top:
    """A board's top entries (none marked as the caller's), as read at `versions`."""

    versions: tuple[int, int]
    entries: tuple[LeaderboardEntry, ...]


class _Kept:
    def __init__(self) -> None:
        self.libraries: dict[int, Lib] = {}
        self.tops: OrderedDict[tuple[object, ...], Top] = OrderedDict()
        self.lock = threading.Lock()


_kept = PerEngine(_Kept)
_of = _kept.of


def library(session: Session, library_id: int) -> Lib | None:
    return _of(session).libraries.get(library_id)


def keep_library(session: Session, lib: Lib) -> None:
    _of(session).libraries[lib.id] = lib


def forget_library(library_id: int) -> None:
    """This process drops its copy of a library's settings (others notice by the head)."""
    for kept in _kept.all():
        kept.libraries.pop(library_id, None)


def top(session: Session, key: tuple[object, ...], versions: tuple[int, int]) -> Top | None:
    """The kept top for `key` when it was read at these versions."""
    kept = _of(session)
    found = kept.tops.get(key)
    if found is None or found.versions != versions:
        return None
    with kept.lock:
        if key in kept.tops:
            kept.tops.move_to_end(key)
    return found


def keep_top(session: Session, key: tuple[object, ...], found: Top) -> None:
    kept = _of(session)
    with kept.lock:
        kept.tops[key] = found
        kept.tops.move_to_end(key)
        while len(kept.tops) > TOPS_KEPT:
            kept.tops.popitem(last=False)
