"""Writing the rollups: what a batch of logs adds, and what one transaction moves itself.

`add` is the one writer of `member_period`, `member_topic`, `activity_day` and
`topic_day`: the backlog's batches call it, and so does every transaction that moves them
itself (a withdrawn log's waiting facts and the sums it takes away, bonus points), once,
just before it commits. It takes the rows' locks in one order (those four tables in turn,
each in key order), so writers never wait for each other in a circle.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.analytics import rows as analytics_rows
from app.analytics import versions
from app.analytics.counters import (
    ACTIVITY_COUNTS,
    ACTIVITY_KEY,
    PERIODS,
    READERS,
    TOPIC_COUNTS,
    TOPIC_KEY,
    Cell,
    LogFacts,
    Reader,
    period_starts,
    school_key,
    split_points,
    version_move,
)
from app.models.analytics import (
    LIBRARY_SCOPE,
    ActivityDay,
    MemberPeriod,
    MemberTopic,
    TopicDay,
)
from app.models.member import age_group

# --- bonus points and withdrawals: the library's day rows, at their transaction's commit ---


def add_activity(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add to `activity_day` rows (each: the key and any of the counts), at the commit."""
    cells: dict[Cell, dict[str, int]] = {}
    for r in rows:
        cell = cells.setdefault(
            tuple(r[k] for k in ACTIVITY_KEY), dict.fromkeys(ACTIVITY_COUNTS, 0)
        )
        for c in ACTIVITY_COUNTS:
            cell[c] += r.get(c, 0)
    if cells:
        defer(session, cells=cells)


def figures_changed(session: Session, library_id: int, stripe: int) -> None:
    """Figures the rollups do not count changed (a badge taken back that paid nothing):
    the library's version moves at the commit, so no process serves what it kept."""
    defer(session, cells={versions.cell(library_id, stripe): version_move()})


def uncount_log(
    session: Session,
    member: Reader,
    library_id: int,
    read_on: date,
    pages: int,
    minutes: int,
    challenge_ids: Sequence[int],
) -> None:
    """A counted log withdrawn: its sums leave the day (its points leave by the ledger's
    compensating rows; a reader once seen stays seen)."""
    base = {
        "library_id": library_id,
        "day": read_on,
        "age_group": age_group(member.birth_year, read_on.year),
        "school": school_key(member.school),
        "logs": -1,
        "pages": -pages,
        "minutes": -minutes,
    }
    scopes = (LIBRARY_SCOPE, *dict.fromkeys(c for c in challenge_ids if c))
    add_activity(session, [{**base, "challenge_id": s} for s in scopes])


def record_points(
    session: Session,
    member: Reader,
    library_id: int,
    day: date,
    rows: Iterable[tuple[str, int, int | None]],
) -> None:
    """Ledger rows booked outside a log's own counting (bonuses, compensations): their
    points move the day's library row, and a challenge's own row for its bonus."""
    by_scope: dict[int, list[tuple[str, int]]] = {}
    for code, amount, challenge_id in rows:
        by_scope.setdefault(LIBRARY_SCOPE, []).append((code, amount))
        if challenge_id:
            by_scope.setdefault(challenge_id, []).append((code, amount))
    base = {
        "library_id": library_id,
        "day": day,
        "age_group": age_group(member.birth_year, day.year),
        "school": school_key(member.school),
    }
    out = []
    for scope, awards in by_scope.items():
        reading, bonus = split_points(awards)
        if reading or bonus:
            out.append(
                {**base, "challenge_id": scope, "points_reading": reading, "points_bonus": bonus}
            )
    add_activity(session, out)


def add(
    session: Session,
    batch: Sequence[LogFacts],
    cells: Mapping[Cell, Mapping[str, int]] | None = None,
) -> None:
    """What `batch` (in log order) adds, as if each log had moved the rollups in turn, and
    `cells` (activity_day counts) with it. The one writer of the rollups: it takes their
    rows' locks in one order, member_period, member_topic, activity_day, topic_day, each
    in key order, so writers never wait for each other in a circle."""
    activity: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY_COUNTS, 0))
    for key, counts in (cells or {}).items():
        _add_to(activity[key], counts)
    topics: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOPIC_COUNTS, 0))
    # A member's first log of a period (or topic) in the batch makes them a reader there,
    # if no earlier batch has: the cell of that log counts them.
    periods: dict[tuple[int, int, str, date], Cell] = {}
    met: dict[tuple[int, str, str], tuple[date, Cell]] = {}
    for f in batch:
        sums = {
            "logs": 1,
            "pages": f.pages,
            "minutes": f.minutes,
            "finishes": f.finishes,
            "points_reading": f.points_reading,
            "points_bonus": f.points_bonus,
        }
        starts = period_starts(f.read_on)
        for scope in f.scopes:
            cell: Cell = (f.library_id, scope, f.read_on, f.age_group, f.school)
            _add_to(activity[cell], sums)
            for period, start in zip(PERIODS, starts, strict=True):
                periods.setdefault((f.member_id, scope, period, start), cell)
        for kind, topic in f.topics:
            topic_cell: Cell = (f.library_id, f.read_on, f.age_group, kind, topic)
            _add_to(topics[topic_cell], sums)
            met.setdefault((f.member_id, kind, topic), (f.read_on, topic_cell))
    reader_of = dict(zip(PERIODS, READERS, strict=True))
    for member_id, scope, period, start in analytics_rows.first_seen(
        session,
        MemberPeriod,
        ("member_id", "scope", "period", "starts_on"),
        sorted(periods),
    ):
        activity[periods[(member_id, scope, period, start)]][reader_of[period]] += 1
    for member_id, kind, topic, _ in analytics_rows.first_seen(
        session,
        MemberTopic,
        ("member_id", "kind", "topic", "first_on"),
        sorted((*key, first_on) for key, (first_on, _) in met.items()),
    ):
        topics[met[(member_id, kind, topic)][1]]["readers"] += 1
    # The libraries' versions move with their rows (`versions`): one of a few rows, picked
    # by the batch's first member (or at random), whose key sorts before the figures.
    stripe = batch[0].member_id if batch else random.randrange(versions.STRIPES)  # noqa: S311 (spreads rows)
    for lib in {f.library_id for f in batch} | {key[0] for key in activity}:
        activity[versions.cell(lib, stripe)] = version_move()
    analytics_rows.add_counts(session, ActivityDay, ACTIVITY_KEY, ACTIVITY_COUNTS, activity)
    analytics_rows.add_counts(session, TopicDay, TOPIC_KEY, TOPIC_COUNTS, topics)


def _add_to(into: dict[str, int], sums: Mapping[str, int]) -> None:
    for k, v in sums.items():
        if k in into:
            into[k] += v


# --- written at the commit ---------------------------------------------------------------
# A transaction's own moves (a withdrawn log's waiting facts, the sums it takes away, bonus
# points) wait on the session and are written together just before it commits, by `add`:
# written as they came, a withdrawal held topic rows that a backlog batch waited for while
# the batch held the day row the withdrawal wanted next (PostgreSQL found a deadlock and
# failed one of them). A savepoint rolled back takes its moves with it.

_MOVES = "analytics.moves"
Move = tuple[SessionTransaction, Sequence[LogFacts], Mapping[Cell, Mapping[str, int]]]


def defer(
    session: Session,
    facts: Sequence[LogFacts] = (),
    cells: Mapping[Cell, Mapping[str, int]] | None = None,
) -> None:
    """`add(session, facts, cells)` at the commit of the session's transaction."""
    trans = session.get_nested_transaction() or session.get_transaction()
    if trans is None:  # nothing has begun: there is nothing to keep an order with
        add(session, facts, cells)
        return
    session.info.setdefault(_MOVES, []).append((trans, facts, cells or {}))


def write_deferred(session: OrmSession) -> None:
    """Write the moves waiting for the commit now: what reads the rollups inside this
    transaction (a verification) must see them."""
    found: list[Move] | None = session.info.pop(_MOVES, None)
    if not found:
        return
    cells: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY_COUNTS, 0))
    for _, _, more in found:
        for cell, counts in more.items():
            _add_to(cells[cell], counts)
    add(session, [f for _, facts, _ in found for f in facts], cells)


def forget_deferred(session: Session, library_id: int) -> None:
    """Drop a library's moves waiting for the commit (its rollups are being recounted
    from the logs and the ledger, which hold them)."""
    found: list[Move] | None = session.info.get(_MOVES)
    if found:
        session.info[_MOVES] = [
            (
                trans,
                [f for f in facts if f.library_id != library_id],
                {k: v for k, v in cells.items() if k[0] != library_id},
            )
            for trans, facts, cells in found
        ]


@event.listens_for(OrmSession, "before_commit")
def _write_moves(session: OrmSession) -> None:
    if session.get_nested_transaction() is None:  # a savepoint's moves wait for the outer
        write_deferred(session)


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_rolled_back(session: OrmSession, previous: SessionTransaction) -> None:
    found: list[Move] | None = session.info.get(_MOVES)
    if found:
        session.info[_MOVES] = [m for m in found if not _inside(m[0], previous)]


def _inside(trans: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while trans is not None:
        if trans is outer:
            return True
        trans = trans.parent
    return False
