"""The fast path: boards as Redis sorted sets, fed after each commit, rebuilt from the database.

The database counters are the truth; Redis is an index of them that answers a top-N and
a rank in O(log n) instead of a COUNT over half a library. Every board has variants
(an age group, a school, both), each its own sorted set holding only members who have
not opted out, so a filtered board is one lookup too.

Here: the index's health, its writes and its reads. The keys and variants are named in
`redis_keys.py`; rebuilding a library from the database is `redis_rebuild.py`.

Readiness lives in one hash, `{namespace}:ready`: field `{library_id}` (or `*` for every
library) = the year its variants were built for; field `!{library_id}` = stale. A board is
read from Redis only when ready and not stale; otherwise the database answers. A write
that fails marks its libraries stale (at once, or as soon as Redis answers again), and
`python -m app leaderboard rebuild` makes them ready again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.leaderboards.redis_keys import expire_at, member_key
from app.leaderboards.redis_rebuild import RedisRebuild

log = logging.getLogger("bacaquest.leaderboards")

# After a failure, leave Redis alone for this long: a request should not wait on a
# connect timeout when the last one already did.
BACKOFF_SECONDS = 2.0
# A board's Redis version may trail the database's for this long (a commit published a
# moment later) before the index counts it as missed and asks for a repair.
GRACE_SECONDS = 2.0

# One round trip for a whole board answer. Equal scores come back from ZREVRANGE in
# descending member order, so the members tied at the cut are fetched again in
# ascending order (ZRANGEBYSCORE) to keep the lowest member ids, as the database does.
_BOARD_SCRIPT = """
local RS, US = '\\30', '\\31'
local key = KEYS[1]
local n = tonumber(ARGV[1])
local version = redis.call('HGET', KEYS[4], ARGV[5]) or '0'
local flags = redis.call('HMGET', KEYS[2], '!' .. ARGV[4], ARGV[4], '*')
local top = redis.call('ZREVRANGEBYSCORE', key, '+inf', '(0', 'WITHSCORES', 'LIMIT', 0, n)
local cut = {}
if #top == 2 * n then
  local last = top[2 * n]
  local above = redis.call('ZCOUNT', key, '(' .. last, '+inf')
  cut = redis.call('ZRANGEBYSCORE', key, last, last, 'LIMIT', 0, n - above)
end
local mine = false
if ARGV[2] ~= '' then
  mine = redis.call('ZSCORE', key, ARGV[2])
end
local own = mine
if not own and ARGV[3] ~= '' then
  own = ARGV[3]
end
local better = false
if own then
  local floor = tonumber(own)
  if floor < 0 then floor = 0 end
  better = redis.call('ZCOUNT', key, '(' .. floor, '+inf')
end
local ranked = redis.call('ZCOUNT', key, '(0', '+inf')
-- Public names of everyone listed (top, then cut), from the library's name hash.
local ids = {}
for i = 1, #top, 2 do ids[#ids + 1] = top[i] end
for i = 1, #cut do ids[#ids + 1] = cut[i] end
local names = {}
if #ids > 0 then
  local found = redis.call('HMGET', KEYS[3], unpack(ids))
  for i = 1, #found do names[i] = found[i] or '' end
end
-- One flat string: parsing a nested reply costs the client more than the lookup.
return table.concat({
  flags[1] or '', flags[2] or '', flags[3] or '', table.concat(top, ','),
  table.concat(cut, ','), mine or '', better or '', ranked, table.concat(names, US),
  version
}, RS)
"""


@dataclass(frozen=True, slots=True)
class Delta:
    """Points a committed transaction moved on one board, with what places the member."""

    library_id: int
    member_id: int
    board: str
    points: int
    year: int  # the library-local year the age group is taken in
    birth_year: int
    school: str | None
    visible: bool
    name: str  # Member.public_name(): all a board may show of them


@dataclass(frozen=True, slots=True)
class Answer:
    """A board as Redis holds it: (member id, points) best first, and the caller's standing."""

    top: list[tuple[int, int]]
    own: int | None  # the caller's points on this board, None without any
    better: int | None  # members with more points than the caller
    ranked: int
    names: dict[int, str]  # public names of the listed members that Redis knows


class RedisIndex(RedisRebuild):
    """Sorted-set boards in one Redis namespace; safe to share between threads."""

    def __init__(self, url: str, namespace: str, *, timeout: float = 1.0) -> None:
        super().__init__(namespace)
        self.client: redis.Redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            max_connections=256,
        )
        self._script = self.client.register_script(_BOARD_SCRIPT)
        self._lock = threading.Lock()
        self._owed_stale: set[int] = set()
        self._down_until = 0.0
        # (library, board) -> (database version, Redis version, deadline) of a gap seen
        self._gaps: dict[tuple[int, str], tuple[int, int, float]] = {}
        self._due: set[int] = set()  # libraries whose boards this process saw drift

    # -- health ----------------------------------------------------------------------------

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, what: str, exc: Exception, library_ids: Iterable[int] = ()) -> None:
        log.warning("leaderboard redis %s failed (%s); the database answers meanwhile", what, exc)
        self._down_until = time.monotonic() + BACKOFF_SECONDS
        with self._lock:
            self._owed_stale.update(library_ids)

    def _settle_owed(self, pipe: Any) -> set[int]:
        """Queue the stale marks still owed from failed writes; returns what was queued."""
        with self._lock:
            owed = set(self._owed_stale)
        for library_id in owed:
            pipe.hset(self.ready_key, f"!{library_id}", 1)
        return owed

    def _settled(self, owed: set[int]) -> None:
        if owed:
            with self._lock:
                self._owed_stale -= owed

    def mark_stale(self, library_ids: Iterable[int]) -> None:
        ids = set(library_ids)
        try:
            pipe = self.client.pipeline(transaction=False)
            for library_id in ids:
                pipe.hset(self.ready_key, f"!{library_id}", 1)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed("stale mark", exc, ids)

    # -- writes ----------------------------------------------------------------------------

    def apply(self, deltas: Sequence[Delta]) -> None:
        """Add committed deltas to their sorted sets (one pipelined round trip)."""
        if not deltas:
            return
        libraries = {d.library_id for d in deltas}
        if not self._available():
            with self._lock:
                self._owed_stale.update(libraries)
            return
        try:
            # All or nothing (MULTI): the versions move only with the points they count.
            pipe = self.client.pipeline(transaction=True)
            owed = self._settle_owed(pipe)
            named: set[int] = set()
            for d in deltas:
                pipe.hincrby(self.versions_key(d.library_id), d.board, 1)
                if not d.visible:
                    continue
                member = member_key(d.member_id)
                if d.member_id not in named:
                    pipe.hset(self.names_key(d.library_id), member, d.name)
                    named.add(d.member_id)
                until = expire_at(d.board)
                for k in self.variant_keys(d.library_id, d.board, d.birth_year, d.school, d.year):
                    pipe.zincrby(k, d.points, member)
                    if until is not None:
                        pipe.expireat(k, until)
            pipe.execute()
        except redis.RedisError as exc:
            # Some increments may have landed and others not: the boards are stale now.
            self._failed("write", exc, libraries)
            return
        self._settled(owed)

    def replace_member(
        self,
        library_id: int,
        member_id: int,
        scores: Sequence[tuple[str, int]],
        *,
        old: tuple[int, str | None, bool],
        new: tuple[int, str | None, bool],
    ) -> None:
        """Move a member between variants after a profile change (school, opt-out).

        `old` and `new` are (birth_year, school, visible); `scores` are the member's
        absolute points per board, read under the member's row lock. Age-group variants
        are moved for the year the library's sets were built for (the only year reads
        accept); a past week's or month's keys are expired again at once by EXPIREAT.
        """
        member = member_key(member_id)
        try:
            own_year, all_year = self.client.hmget(self.ready_key, [str(library_id), "*"])
            built = own_year if own_year is not None else all_year
            year = int(built) if built is not None else None
            pipe = self.client.pipeline(transaction=False)
            owed = self._settle_owed(pipe)
            for board, points in scores:
                until = expire_at(board)
                if old[2]:
                    for k in self._keys_for_move(library_id, board, old, year):
                        pipe.zrem(k, member)
                if new[2]:
                    for k in self._keys_for_move(library_id, board, new, year):
                        pipe.zadd(k, {member: points})
                        if until is not None:
                            pipe.expireat(k, until)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed("profile update", exc, [library_id])
            return
        self._settled(owed)

    def _keys_for_move(
        self, library_id: int, board: str, who: tuple[int, str | None, bool], year: int | None
    ) -> list[str]:
        if year is not None:
            return self.variant_keys(library_id, board, who[0], who[1], year)
        out = [self.key(library_id, board)]
        if who[1] is not None and board.startswith("lib:"):
            out.append(self.key(library_id, board, school=who[1]))
        return out

    def set_name(self, library_id: int, member_id: int, name: str) -> None:
        """A member's public name changed (nickname, display name)."""
        try:
            pipe = self.client.pipeline(transaction=False)
            owed = self._settle_owed(pipe)
            pipe.hset(self.names_key(library_id), member_key(member_id), name)
            pipe.execute()
        except redis.RedisError as exc:
            self._failed("name update", exc, [library_id])
            return
        self._settled(owed)

    # -- reads ----------------------------------------------------------------------------

    def count(self, library_id: int, board: str, *, age_group: str, year: int) -> int | None:
        """Members in one age group's variant of a board; None when Redis cannot tell."""
        if not self._available():
            return None
        try:
            return int(
                self.client.zcard(self.key(library_id, board, age_group=age_group, year=year))
            )
        except redis.RedisError as exc:
            self._failed("read", exc)
            return None

    def board(
        self,
        library_id: int,
        board: str,
        limit: int,
        *,
        member_id: int | None,
        own_points: int | None,
        school: str | None,
        age_group: str | None,
        year: int,
        version: int | None = None,
    ) -> Answer | None:
        """The board from Redis, or None when Redis cannot answer it (the database will).

        `member_id` is the caller when they are listed on this board; `own_points` the
        caller's points when they are not (opted out), to rank them among the others.
        `version`: the board's version in the database; Redis answers only when it has
        applied exactly as many changes (see `repair_due`).
        """
        if not self._available():
            return None
        k = self.key(library_id, board, school=school, age_group=age_group, year=year)
        try:
            owed: set[int] = set()
            if self._owed_stale:
                pipe = self.client.pipeline(transaction=False)
                owed = self._settle_owed(pipe)
                pipe.execute()
                self._settled(owed)
            raw = self._script(
                keys=[
                    k,
                    self.ready_key,
                    self.names_key(library_id),
                    self.versions_key(library_id),
                ],
                args=[
                    limit,
                    member_key(member_id) if member_id is not None else "",
                    own_points if own_points is not None else "",
                    library_id,
                    board,
                ],
            )
        except redis.RedisError as exc:
            self._failed("read", exc)
            return None
        fields = raw.decode().split("\x1e")
        stale, own_year, all_year, top, cut, mine, better, ranked, listed, applied = fields
        built_for = own_year or all_year
        if stale or not built_for or int(built_for) != year:
            # Stale, never built, or built for last year's age groups: repaired soon.
            self._due.add(library_id)
            return None
        if version is not None and not self._in_step(library_id, board, version, int(applied)):
            return None
        flat = top.split(",") if top else []
        pairs = [(int(flat[i]), int(float(flat[i + 1]))) for i in range(0, len(flat), 2)]
        cut_ids = [int(m) for m in cut.split(",")] if cut else []
        ids = [m for m, _ in pairs] + cut_ids
        names = {m: n for m, n in zip(ids, listed.split("\x1f"), strict=False) if n}
        if cut_ids:
            last = pairs[-1][1]
            pairs = [p for p in pairs if p[1] > last] + [(m, last) for m in cut_ids]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        own = int(float(mine)) if mine else own_points
        return Answer(
            top=pairs[:limit],
            own=own,
            better=int(better) if better else None,
            ranked=int(ranked),
            names=names,
        )

    def _in_step(self, library_id: int, board: str, version: int, applied: int) -> bool:
        """Whether Redis has applied what the database counted; a gap that outlives
        GRACE_SECONDS (not closed by later reads) makes the library due for repair."""
        key = (library_id, board)
        if version == applied:
            self._gaps.pop(key, None)
            return True
        now = time.monotonic()
        seen = self._gaps.get(key)
        if seen is None or (applied >= seen[0] and version >= seen[1]):
            self._gaps[key] = (version, applied, now + GRACE_SECONDS)  # a new gap
        elif now >= seen[2]:
            log.warning("leaderboard %s in Redis missed changes; repairing", board)
            self._gaps.pop(key, None)
            self._due.add(library_id)
        return False

    def repair_due(self, library_id: int) -> bool:
        """Whether this library's Redis boards need rebuilding (taken: asked once)."""
        with self._lock:
            due = library_id in self._due
            self._due.discard(library_id)
        return due

    def try_lock(self, library_id: int, seconds: int = 300) -> bool:
        """One repair of a library at a time, across processes."""
        try:
            return bool(
                self.client.set(f"{self.namespace}:repairing:{library_id}", 1, nx=True, ex=seconds)
            )
        except redis.RedisError as exc:
            self._failed("repair lock", exc)
            return False

    def unlock(self, library_id: int) -> None:
        try:
            self.client.delete(f"{self.namespace}:repairing:{library_id}")
        except redis.RedisError as exc:
            self._failed("repair unlock", exc)

    def close(self) -> None:
        self.client.close()
