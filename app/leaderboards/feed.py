"""Feeding the boards: counters with every ledger append, Redis after every commit.

`record` is called by `ledger.append` for the rows it books: it moves the database
counters in the same transaction (one UPSERT) and, when a Redis index is configured,
keeps the deltas on the session until the transaction commits. Deltas of a savepoint
that rolls back, or of a transaction that does, never reach Redis.

Which Redis (if any) belongs to a session, and its repair, is `redis_setup.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import lock_member
from app.leaderboards import keys, ranks, store
from app.leaderboards.redis_index import Delta, RedisIndex
from app.leaderboards.redis_setup import configure, index_for, process_index
from app.models.library import Library
from app.models.member import Member, MemberLike
from app.models.reading import ReadingLog

# `configure` and `process_index` are imported from here by tests.
__all__ = [
    "board_deltas",
    "configure",
    "library_changed",
    "member_updating",
    "process_index",
    "publish_after_commit",
    "record",
]

if TYPE_CHECKING:
    from app.services.ledger import Booked

_PENDING = "bacaquest.leaderboards.pending"
_MOVES = "bacaquest.leaderboards.moves"
log = logging.getLogger("bacaquest.leaderboards")


# What waits for the commit: the index and either deltas or a profile move.
Pending = tuple[SessionTransaction, RedisIndex, list[Delta] | Callable[[], None]]


# -- counters -------------------------------------------------------------------------------


class Counted(Protocol):
    """What the boards read of a ledger row (a booked row, or one about to be)."""

    @property
    def amount(self) -> int: ...
    @property
    def challenge_id(self) -> int | None: ...
    @property
    def log_id(self) -> int | None: ...


def record(
    session: Session,
    member: MemberLike,
    entries: Sequence[Booked],
    *,
    day: date,
    challenge_ids: Sequence[int] | None = None,
    timezone: str | None = None,
) -> None:
    """Count freshly booked ledger rows on their boards (called by `ledger.append`)."""
    if not entries or member.id is None:
        return
    deltas = board_deltas(session, member, entries, day=day, challenge_ids=challenge_ids)
    facts = ranks.facts_of(member)
    booked_at = entries[0].created_at
    rows = store.add(session, member.id, deltas, ranks.placements(facts, deltas, booked_at.year))
    publish_after_commit(session, member, deltas, booked_at, timezone, seen=ranks.Seen(facts, rows))


def board_deltas(
    session: Session,
    member: MemberLike,
    entries: Sequence[Counted],
    *,
    day: date,
    challenge_ids: Sequence[int] | None = None,
) -> dict[str, int]:
    """How ledger rows move the member's boards.

    Rows count on the library's all-time board and on the week and month of `day`; on
    a challenge's board when it is among `challenge_ids`, among the challenges of the
    row's log (`reading_log.challenge_ids`, so compensating rows follow the log), or is
    the row's own `challenge_id` (a completion bonus). A rebuild from the ledger applies
    the same rule. `challenge_ids`: what the rows of one log count for, when the caller
    knows (then the log is not read).
    """
    library_id = member.library_id
    deltas: dict[str, int] = {}
    if not entries or library_id is None:
        return deltas
    total = sum(e.amount for e in entries)
    if total:
        for board in keys.day_boards(library_id, day):
            deltas[board] = total
    given = set(challenge_ids or ())
    for e in entries:
        counts_for = set(given)
        if e.challenge_id is not None:
            counts_for.add(e.challenge_id)
        if e.log_id is not None and challenge_ids is None:
            # In the identity map already on every path that books log rows.
            log = session.get(ReadingLog, e.log_id)
            if log is not None and log.challenge_ids:
                counts_for.update(int(c) for c in log.challenge_ids)
        for challenge_id in counts_for:
            board = keys.challenge_board(challenge_id)
            deltas[board] = deltas.get(board, 0) + e.amount
    return deltas


def publish_after_commit(
    session: Session,
    member: MemberLike,
    deltas: Mapping[str, int],
    booked_at: datetime,
    timezone: str | None = None,
    *,
    seen: ranks.Seen | None = None,
) -> None:
    """Count the moved counters by rank (before the commit) and hand the deltas to the
    Redis index (if any) once the transaction commits. Every change of `board_score`
    passes through here, whoever wrote it; `seen`: the rows as the write returned them
    (then the count need not read them again)."""
    library_id, member_id = member.library_id, member.id
    if member_id is None:
        return
    moved = {board: n for board, n in deltas.items() if n != 0}
    if not moved:
        return
    _note(session, member_id, moved, booked_at.year, seen)
    index = index_for(session)
    if index is None or library_id is None:
        return
    if timezone is None:
        lib = session.get(Library, library_id)
        timezone = lib.timezone if lib else "Asia/Jakarta"
    year = local_date(booked_at, timezone).year
    visible = not member.leaderboard_opt_out
    if visible and member.role != "member":
        # staff and administrators: off the boards unless their library says otherwise
        lib = session.get(Library, library_id)
        visible = lib is not None and lib.staff_on_boards
    _defer(
        session,
        index,
        [
            Delta(
                library_id=library_id,
                member_id=member_id,
                board=board,
                points=n,
                year=year,
                birth_year=member.birth_year,
                school=member.school,
                visible=visible,
                name=member.public_name(),
            )
            for board, n in sorted(deltas.items())
            if n != 0
        ],
    )


def library_changed(session: Session, library_id: int) -> None:
    """Who a library's boards list changed (staff on the boards, a member appointed
    staff): this process reads the library afresh, and its Redis boards are stale from
    the commit on (the database answers until they are rebuilt)."""
    from app.leaderboards.service import forget_library

    forget_library(library_id)
    # A member appointed staff moves between counted sets: re-place the library's
    # members this transaction has loaded (the one whose role changed among them).
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Member) and obj.library_id == library_id and obj.id is not None:
            _note(session, obj.id, None, 0)
    index = index_for(session)
    if index is not None:
        _defer(session, index, lambda: index.mark_stale([library_id]))


def member_updating(session: Session, member: Member, changes: Mapping[str, Any]) -> None:
    """A profile is about to change (called by `members.update_me` before it applies).

    The database boards read names, opt-out and school live. The Redis index keeps
    public names, and holds members in sorted sets by school and opt-out: after the
    commit the member moves between sets, with their absolute points read here under
    their row lock (no log can move them meanwhile).
    """
    if member.library_id is None or member.id is None:
        return
    _note(session, member.id, None, 0)  # counted where the profile says, at the commit
    school = changes.get("school", member.school)
    opted_out = bool(changes.get("leaderboard_opt_out", member.leaderboard_opt_out))
    moved = school != member.school or opted_out != member.leaderboard_opt_out
    name = Member.public_name(
        _Named(
            is_child=member.is_child,
            birth_year=member.birth_year,
            nickname=changes.get("nickname", member.nickname),
            display_name=changes.get("display_name", member.display_name) or "",
        )
    )
    renamed = name != member.public_name()
    if not (moved or renamed):
        return
    index = index_for(session)
    if index is None:
        return
    library_id, member_id, birth_year = member.library_id, member.id, member.birth_year
    scores: list[tuple[str, int]] = []
    if moved:
        lock_member(session, member_id)
        scores = store.scores_of_member(session, member_id)
    old = (birth_year, member.school, not member.leaderboard_opt_out)
    new = (birth_year, school, not opted_out)

    def publish() -> None:
        if scores:
            index.replace_member(library_id, member_id, scores, old=old, new=new)
        if renamed:
            index.set_name(library_id, member_id, name)

    _defer(session, index, publish)


@dataclass(frozen=True, slots=True)
class _Named:
    """The fields Member.public_name() reads, with a profile change applied."""

    is_child: bool
    birth_year: int
    nickname: str | None
    display_name: str


# -- before and after the commit ----------------------------------------------------------

# (transaction, member id, points per board or None for a re-placement, UTC year, the
# rows as written when the write returned them)
Move = tuple[SessionTransaction, int, dict[str, int] | None, int, "ranks.Seen | None"]


def _note(
    session: Session,
    member_id: int,
    moved: dict[str, int] | None,
    year: int,
    seen: ranks.Seen | None = None,
) -> None:
    trans = session.get_nested_transaction() or session.get_transaction()
    if trans is None:
        return
    session.info.setdefault(_MOVES, []).append((trans, member_id, moved, year, seen))


@event.listens_for(OrmSession, "before_commit")
def _settle_counts(session: OrmSession) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its moves wait for the outer commit
    found: list[Move] | None = session.info.pop(_MOVES, None)
    if not found:
        return
    moves = ranks.Moves()
    for _, member_id, moved, year, seen in found:
        moves.year = max(moves.year, year)
        if moved is None:
            moves.replace.add(member_id)
            continue
        moves.saw(member_id, seen)
        points = moves.points.setdefault(member_id, {})
        touches = moves.touches.setdefault(member_id, {})
        for board, n in moved.items():
            points[board] = points.get(board, 0) + n
            touches[board] = touches.get(board, 0) + 1
    session.flush()
    ranks.settle(session, moves)


def _defer(session: Session, index: RedisIndex, payload: list[Delta] | Callable[[], None]) -> None:
    trans = session.get_nested_transaction() or session.get_transaction()
    if trans is None:  # autobegin has happened on every path that writes
        return
    session.info.setdefault(_PENDING, []).append((trans, index, payload))


def _inside(trans: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while trans is not None:
        if trans is outer:
            return True
        trans = trans.parent
    return False


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_rolled_back(session: OrmSession, previous: SessionTransaction) -> None:
    pending: list[Pending] | None = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [p for p in pending if not _inside(p[0], previous)]
    moves: list[Move] | None = session.info.get(_MOVES)
    if moves:
        session.info[_MOVES] = [m for m in moves if not _inside(m[0], previous)]


@event.listens_for(OrmSession, "after_commit")
def _publish_committed(session: OrmSession) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its deltas wait for the outer commit
    pending: list[Pending] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        _publish(pending)
    except Exception:
        # The transaction has committed: a fault here must not fail the request. The
        # boards it touched are marked stale, and the database answers them until a
        # rebuild.
        log.exception("publishing leaderboard changes to Redis failed")
        for _, index, payload in pending:
            if isinstance(payload, list):
                index.mark_stale({d.library_id for d in payload})


def _publish(pending: list[Pending]) -> None:
    # In transaction order; consecutive deltas for one index go in one round trip.
    batch: list[Delta] = []
    batch_index: RedisIndex | None = None
    for _, index, payload in pending:
        if isinstance(payload, list) and (batch_index is None or index is batch_index):
            batch.extend(payload)
            batch_index = index
            continue
        if batch_index is not None:
            batch_index.apply(batch)
            batch, batch_index = [], None
        if isinstance(payload, list):
            batch, batch_index = list(payload), index
        else:
            payload()
    if batch_index is not None:
        batch_index.apply(batch)
