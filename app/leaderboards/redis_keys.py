"""The Redis index's keys: which sorted sets a board and its variants live in.

Keys: `{namespace}:{library_id}:{board}[:s:{school}][:a{year}:{age_group}]`, members are
zero-padded member ids (so equal scores sort by member id), scores are points. Age-group
variants carry the local year their groups were computed in: on New Year the groups move
on, and those variants are used again once a rebuild has made them for the new year.
Readiness lives in one hash, `{namespace}:ready` (see `app.leaderboards.redis_index`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from app.leaderboards import keys
from app.models.member import age_group as age_group_of


def member_key(member_id: int) -> str:
    return f"{member_id:010d}"


def school_key(school: str) -> str:
    # Free text of any length and script: a digest keeps keys short and safe.
    return hashlib.sha1(school.encode()).hexdigest()[:16]  # noqa: S324  (a name, not a secret)


def expire_at(board: str) -> int | None:
    """When a week or month board's keys may go: long after nobody can ask for or move it."""
    info = keys.parse(board)
    if info is None or info.last_day is None:
        return None
    gone = info.last_day + timedelta(days=keys.LATE_DAYS + 2)
    return int(datetime(gone.year, gone.month, gone.day, tzinfo=UTC).timestamp())


class RedisKeys:
    """The key names of one Redis namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    @property
    def ready_key(self) -> str:
        return f"{self.namespace}:ready"

    def names_key(self, library_id: int) -> str:
        return f"{self.namespace}:{library_id}:names"

    def versions_key(self, library_id: int) -> str:
        """Per board: the counter changes Redis has applied (the database keeps the same
        count with the counters, in `board_rank`)."""
        return f"{self.namespace}:{library_id}:ver"

    def key(
        self,
        library_id: int,
        board: str,
        *,
        school: str | None = None,
        age_group: str | None = None,
        year: int | None = None,
    ) -> str:
        out = f"{self.namespace}:{library_id}:{board}"
        if school is not None:
            out += f":s:{school_key(school)}"
        if age_group is not None:
            out += f":a{year}:{age_group}"
        return out

    def variant_keys(
        self, library_id: int, board: str, birth_year: int, school: str | None, year: int
    ) -> list[str]:
        """Every sorted set a member's points on `board` live in."""
        group = age_group_of(birth_year, year)
        out = [
            self.key(library_id, board),
            self.key(library_id, board, age_group=group, year=year),
        ]
        if school is not None and board.startswith("lib:"):
            out.append(self.key(library_id, board, school=school))
            out.append(self.key(library_id, board, school=school, age_group=group, year=year))
        return out
