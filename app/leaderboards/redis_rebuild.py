"""Rebuilding the Redis index of a library from the database counters, and clearing it.

`python -m app leaderboard rebuild` and the background repair (`redis_setup.repair_soon`) call
`RedisIndex.rebuild_library`; what it writes is what `apply` would have written.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date
from typing import Any

import redis
from sqlalchemy import select
from sqlmodel import Session

from app.leaderboards import keys, ranks, store
from app.leaderboards.redis_keys import RedisKeys, expire_at, member_key
from app.models.library import Library

BATCH = 5_000


class RedisRebuild(RedisKeys):
    """The rebuild half of `RedisIndex` (which sets up these attributes)."""

    client: redis.Redis
    _lock: threading.Lock
    _owed_stale: set[int]
    _gaps: dict[tuple[int, str], tuple[int, int, float]]

    def rebuild_library(self, session: Session, library_id: int, today: date) -> int:
        """Make a library's sorted sets again from the database counters; sets written.

        Stale first (reads go to the database), then the keys go, then one consistent
        read of the counters fills them, with the boards' versions of the same snapshot.
        A commit racing the rebuild leaves a version gap, which the next reads notice and
        repair again.
        """
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        self.client.hset(self.ready_key, f"!{library_id}", 1)
        self.client.hdel(self.ready_key, str(library_id))
        doomed: list[Any] = []
        for k in self.client.scan_iter(match=f"{self.namespace}:{library_id}:*", count=5_000):
            doomed.append(k)
            if len(doomed) >= BATCH:
                self.client.unlink(*doomed)
                doomed.clear()
        if doomed:
            self.client.unlink(*doomed)
        year = today.year
        pending: dict[str, dict[str, int]] = defaultdict(dict)
        queued = 0
        written = 0
        expiries: dict[str, int] = {}
        names: dict[str, str] = {}
        with_staff = bool(
            session.execute(
                select(Library.staff_on_boards).where(Library.id == library_id)
            ).scalar()
        )
        boards: set[str] = set()
        for row in store.scores_of_library(session, library_id):
            boards.add(row.board)
            if not store.on_boards(row.role, row.opted_out, with_staff):
                continue
            if not keys.is_live(row.board, today):
                continue
            names[member_key(row.member_id)] = row.name
            until = expire_at(row.board)
            for k in self.variant_keys(library_id, row.board, row.birth_year, row.school, year):
                pending[k][member_key(row.member_id)] = row.points
                if until is not None:
                    expiries[k] = until
            queued += 1
            if queued >= BATCH:
                written += self._load(pending, expiries)
                pending.clear()
                queued = 0
            if len(names) >= BATCH:
                self.client.hset(self.names_key(library_id), mapping=names)
                names.clear()
        written += self._load(pending, expiries)
        if names:
            self.client.hset(self.names_key(library_id), mapping=names)
        versions = ranks.versions(session, sorted(boards))
        if versions:
            self.client.hset(self.versions_key(library_id), mapping=versions)
        with self._lock:
            self._gaps = {k: v for k, v in self._gaps.items() if k[0] != library_id}
        pipe = self.client.pipeline(transaction=False)
        pipe.hdel(self.ready_key, f"!{library_id}")
        pipe.hset(self.ready_key, str(library_id), year)
        pipe.execute()
        with self._lock:
            self._owed_stale.discard(library_id)
        return written

    def mark_all_ready(self, year: int) -> None:
        """After every library was rebuilt: libraries made later start out ready too."""
        self.client.hset(self.ready_key, "*", year)

    def _load(self, pending: dict[str, dict[str, int]], expiries: dict[str, int]) -> int:
        pipe = self.client.pipeline(transaction=False)
        for k, members in pending.items():
            pipe.zadd(k, members)
            if k in expiries:
                pipe.expireat(k, expiries[k])
        pipe.execute()
        return sum(len(m) for m in pending.values())

    def drop_namespace(self) -> None:
        """Delete every key of this namespace (tests, and a namespace no longer used)."""
        doomed = list(self.client.scan_iter(match=f"{self.namespace}:*", count=5_000))
        for i in range(0, len(doomed), BATCH):
            self.client.unlink(*doomed[i : i + BATCH])
