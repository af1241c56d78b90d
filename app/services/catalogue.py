"""A library's badges and live challenges, kept in memory while its catalogue is unchanged.

Every log needs the library's badge catalogue and the challenges open on its day. Both
change rarely (staff create a badge, publish or end a challenge) and every such write
moves `library.catalogue_version` by a database trigger (migration 0006), whatever
wrote it. The reading path reads that version with the library row it locks anyway,
so a process serves the catalogue from memory until the version moves, then reloads.

The instances held here are detached copies shared by every request of the process:
read them, never change or add them to a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, select
from sqlmodel import Session

from app.models import enums
from app.models.badge import Badge
from app.models.challenge import Challenge


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: int
    badges: tuple[Badge, ...]  # by id
    challenges: tuple[Challenge, ...]  # published and not deleted

    def open_on(self, day: date) -> list[Challenge]:
        """The live reading challenges whose window holds `day` (what a log read that day
        counts for; a review contest counts approved reviews, not reading)."""
        return [
            c
            for c in self.challenges
            if c.starts_on <= day <= c.ends_on and c.goal != enums.Goal.REVIEWS
        ]


_b = Badge.__table__.c
_c = Challenge.__table__.c
_BADGES = select(Badge.__table__).where(_b.library_id == bindparam("library_id")).order_by(_b.id)
_LIVE_CHALLENGES = (
    select(Challenge.__table__)
    .where(
        _c.library_id == bindparam("library_id"),
        _c.deleted_at.is_(None),
        _c.published.is_(True),
    )
    .order_by(_c.id)
)

_held: WeakKeyDictionary[Engine, dict[int, Catalogue]] = WeakKeyDictionary()


def of(session: Session, library_id: int, version: int) -> Catalogue:
    """The library's catalogue at `version` (read in this transaction with the library)."""
    engine = session.get_bind()
    by_library = _held.get(engine)
    if by_library is None:
        by_library = _held.setdefault(engine, {})
    found: Catalogue | None = by_library.get(library_id)
    if found is not None and found.version == version:
        return found
    conn = session.connection()
    params = {"library_id": library_id}
    # Rows as read now are at least as new as `version`: a later reader that sees a
    # newer version reloads, so nothing older than its version is ever served.
    found = Catalogue(
        version=version,
        badges=tuple(Badge.model_validate(dict(r._mapping)) for r in conn.execute(_BADGES, params)),
        challenges=tuple(
            Challenge.model_validate(dict(r._mapping))
            for r in conn.execute(_LIVE_CHALLENGES, params)
        ),
    )
    by_library[library_id] = found
    return found


def held_version(engine: Engine, library_id: int) -> int | None:
    """The newest catalogue version this process has seen for the library (None: none):
    caches that the same triggers invalidate compare against it without a query."""
    found = _held.get(engine, {}).get(library_id)
    return found.version if found is not None else None
