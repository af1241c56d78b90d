"""Who reads, where, under which rules: the reader's facts, read once with their lock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Text,
    and_,
    bindparam,
    cast,
    literal,
    select,
    true,
)
from sqlmodel import Session

from app.core import dbcompat
from app.core.clock import local_date
from app.core.hotsql import HotSql
from app.core.problems import Problem, forbidden
from app.models.badge import BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library
from app.models.member import Member, MemberLike
from app.models.reading import (
    IdempotencyKey,
    MemberGenre,
)
from app.scoring import Rules
from app.services import (
    badges,
    catalogue,
    idempotency,
    stats,
)
from app.services.members import child_of


@dataclass(frozen=True, slots=True)
class Context:
    """Who reads, in which library, under which rules, on which local day."""

    member: MemberLike
    library_id: int
    timezone: str
    rules: Rules
    today: date


# The reader's library, its catalogue version, the badges the reader holds, the genres
# and challenges, taking the reader's row lock on PostgreSQL
# in the same statement (SQLite runs one writer at a time and has no FOR UPDATE); with
# an Idempotency-Key, the key's row and (PostgreSQL) its advisory try-lock too. A key's
# first request holds that lock until it commits, so a retry meanwhile sees `got` false
# and answers 409; should a first request commit between this statement's snapshot and
# its try-lock, the retry redoes the work and the unique (member, key) pair refuses its
# second row, rolling all of it back.
_UNIT = "\x1f"  # separates values that may hold commas (genres)


def _listed(column: Any, table: Any, *where: Any, separator: str = ",") -> Any:
    """The member's values of `column`, joined into one text."""
    return (
        select(dbcompat.aggregate_list(column, literal(separator)))
        .select_from(table)
        .where(*where)
        .scalar_subquery()
    )


def _locking_read(with_key: bool) -> HotSql:
    member, library = Member.__table__, Library.__table__
    award, genre = BadgeAward.__table__, MemberGenre.__table__
    cp, challenge = ChallengeParticipant.__table__, Challenge.__table__
    ik = IdempotencyKey.__table__.alias("ik")
    member_id: Any = bindparam("member_id")
    got = dbcompat.try_advisory_xact_lock(bindparam("lock_id")) if with_key else true()
    statement = (
        select(
            library.c.id,
            library.c.timezone,
            library.c.scoring,
            library.c.catalogue_version,
            _listed(award.c.badge_id, award, award.c.member_id == member_id),
            _listed(genre.c.genre, genre, genre.c.member_id == member_id, separator=_UNIT),
            _listed(
                cp.c.challenge_id,
                cp.join(challenge, challenge.c.id == cp.c.challenge_id),
                cp.c.member_id == member_id,
                challenge.c.ends_on >= bindparam("earliest", type_=Date),
            ),
            got,
            ik.c.id,
            ik.c.fingerprint,
            ik.c.state,
            ik.c.response_status,
            # the JSON text stored: a replay answers it as it is
            cast(ik.c.response_body, Text),
            ik.c.expires_at,
        )
        .select_from(
            member.join(library, library.c.id == member.c.library_id).outerjoin(
                ik, and_(ik.c.member_id == bindparam("caller_id"), ik.c.key == bindparam("key"))
            )
        )
        .where(member.c.id == member_id)
        .with_for_update(of=member)
    )
    return HotSql(statement)


_LOCKING_READS = {with_key: _locking_read(with_key) for with_key in (False, True)}


@dataclass(frozen=True, slots=True)
class KeyRow:
    """An Idempotency-Key's stored row, as `idempotency.settle` reads it."""

    id: int
    fingerprint: str
    state: str
    response_status: int | None
    response_body: str | None  # the JSON text
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Locked:
    """What the reading path learns with the reader's lock."""

    ctx: Context
    catalogue: catalogue.Catalogue
    badges_held: frozenset[int]
    # the member's challenges whose window ended at most a month ago (or has not)
    challenges_joined: frozenset[int]
    genres_read: frozenset[str]
    # the member's counted days, newest first (at most stats.RECENT_DAYS_LIMIT)
    recent_days: list[stats.DayRow]
    key_row: KeyRow | None = None

    def after_log(
        self,
        session: Session,
        *,
        counted: bool,
        badges: Iterable[int],
        challenges: Iterable[int],
        genre: str | None,
    ) -> Locked:
        """The reader's facts after one more of their logs, still under their lock (a
        batch's next item reads these instead of locking and reading again)."""
        if not counted:
            return replace(self, challenges_joined=self.challenges_joined | set(challenges))
        return replace(
            self,
            badges_held=self.badges_held | set(badges),
            challenges_joined=self.challenges_joined | set(challenges),
            genres_read=self.genres_read | {genre} if genre else self.genres_read,
            recent_days=stats.recent_day_rows(session, self.ctx.member.id or 0),
            key_row=None,
        )


def context_for(session: Session, member: Member, now: datetime) -> Context:
    """The reader's library, rules and local day."""
    lib = session.get(Library, member.library_id) if member.library_id is not None else None
    if lib is None:
        raise no_library()
    return Context(
        member, lib.id or 0, lib.timezone, badges.rules_of(lib), local_date(now, lib.timezone)
    )


def locked_context(
    session: Session,
    member: MemberLike,
    now: datetime,
    key: tuple[int, str] | None = None,
) -> Locked:
    """`context_for`, serialising the member's scoring (concurrent logs must see each
    other's day state), with the library's catalogue, the badges the member holds and,
    for `key` (the caller's id and Idempotency-Key), the key's row (409 while in flight)."""
    caller_id, idem_key = key if key else (0, None)
    row = _LOCKING_READS[key is not None].first(
        session,
        {
            "member_id": member.id,
            "caller_id": caller_id,
            "key": idem_key,
            "lock_id": idempotency.lock_id(caller_id, idem_key) if idem_key else 0,
            # Before any read_on a library allows (at most 30 days back, any time zone).
            "earliest": now.date() - timedelta(days=32),
        },
    )
    if row is None:
        raise no_library()
    (
        library_id,
        timezone,
        scoring,
        version,
        held_ids,
        genres,
        joined_ids,
        got,
        *key_columns,
    ) = row
    if not got:
        raise idempotency.in_flight()
    ctx = Context(
        member, library_id, timezone, badges.rules_from(scoring), local_date(now, timezone)
    )
    key_row = KeyRow(*key_columns) if key_columns[0] is not None else None
    return Locked(
        ctx,
        catalogue.of(session, library_id, version),
        _ids(held_ids),
        _ids(joined_ids),
        frozenset(genres.split(_UNIT)) if genres else frozenset(),
        # Read after the lock, not in the locking statement: on PostgreSQL that statement's
        # subqueries see the snapshot taken before it waited for the lock, so a concurrent
        # log of the same day would be missed (its leftover minutes and points lost).
        stats.recent_day_rows(session, member.id or 0),
        key_row,
    )


def _ids(listed: str | None) -> frozenset[int]:
    return frozenset(int(i) for i in listed.split(",")) if listed else frozenset()


def no_library() -> Problem:
    return Problem(409, "no-library", "This account does not belong to a library.")


def reader_for(session: Session, caller: MemberLike, member_id: int | None) -> MemberLike:
    """Whose reading this is: the caller, or a guardian's own child; nobody else."""
    if member_id is None or member_id == caller.id:
        return caller
    if caller.is_child:
        raise forbidden("A child profile logs only its own reading.")
    return child_of(session, caller, member_id)
