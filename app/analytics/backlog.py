"""The rollups' backlog: a counted log's facts wait here, and batches add them up.

Every log of a library on a day moves the same `activity_day` and `topic_day` rows, so
moving them in the log's own transaction made each log pay a dozen upserts and, on
PostgreSQL, queue behind every other log on those rows' locks. Instead the log writes
one row here (`enqueue`, in its own transaction: nothing accepted is lost), and `apply`
takes a batch of rows in log order and writes what they add in four statements: the
members first seen in a period or a topic (which make the readers counts) and the summed
cells, in key order.

Who applies: the background worker, every pass; every analytics read, before it answers
(`drain`), so staff always see every log accepted before their request; and
`analytics verify`. A log withdrawn while its facts still wait has them added
(`take_in`) and taken away (`moves.uncount_log`), both at the withdrawal's commit.
Batches on PostgreSQL claim their rows with `FOR UPDATE` in log order, and every writer
of the rollups (batches, and a transaction's own moves at its commit) writes every table
in one order and key order (`moves.add`): concurrent drains wait for each other (a
read's drain thus sees what a running batch adds) and never count a log twice or
deadlock.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine, bindparam, delete, exists, insert, select
from sqlmodel import Session

from app.analytics import moves
from app.analytics.counters import LogFacts
from app.core.db import transaction
from app.core.hotsql import HotSql
from app.models.analytics import (
    AnalyticsBacklog,
)

BATCH = 500  # logs per batch: a few thousand rows at most per statement

_ENQUEUE = HotSql(
    insert(AnalyticsBacklog).values(
        log_id=bindparam("log_id"), library_id=bindparam("library_id"), facts=bindparam("facts")
    )
)


def encode(facts: LogFacts) -> str:
    return json.dumps(
        [
            facts.library_id,
            facts.member_id,
            facts.age_group,
            facts.school,
            facts.read_on.isoformat(),
            facts.pages,
            facts.minutes,
            facts.finishes,
            facts.points_reading,
            facts.points_bonus,
            list(facts.scopes),
            [list(t) for t in facts.topics],
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def decode(text: str) -> LogFacts:
    (lib, member, age, school, day, pages, minutes, finishes, reading, bonus, scopes, topics) = (
        json.loads(text)
    )
    return LogFacts(
        library_id=lib,
        member_id=member,
        age_group=age,
        school=school,
        read_on=date.fromisoformat(day),
        pages=pages,
        minutes=minutes,
        finishes=finishes,
        points_reading=reading,
        points_bonus=bonus,
        scopes=tuple(scopes),
        topics=tuple((k, t) for k, t in topics),
    )


def enqueue(session: Session, log_id: int, facts: LogFacts) -> None:
    """A counted log's facts, for the next batch (one small insert on the reading path)."""
    _ENQUEUE.run(
        session, {"log_id": log_id, "library_id": facts.library_id, "facts": encode(facts)}
    )


def take_in(session: Session, log_id: int) -> None:
    """Add a log's waiting facts now: it is being withdrawn, and what it added must be
    there to take away (with the ledger's compensating rows, which move the rollups at
    once). On PostgreSQL a batch holding the row makes this wait for its commit, and then
    there is nothing left to add."""
    taken = session.execute(
        delete(AnalyticsBacklog)
        .where(AnalyticsBacklog.log_id == log_id)
        .returning(AnalyticsBacklog.id, AnalyticsBacklog.facts)
    ).all()
    if taken:  # written at the commit, with the transaction's other moves (`moves`)
        moves.defer(session, [decode(facts) for _, facts in sorted(taken)])


def forget_library(session: Session, library_id: int) -> None:
    """Drop a library's waiting facts (its rollups are being recounted from the logs)."""
    session.execute(delete(AnalyticsBacklog).where(AnalyticsBacklog.library_id == library_id))
    moves.forget_deferred(session, library_id)


def waiting(session: Session) -> bool:
    return bool(session.execute(select(exists().select_from(AnalyticsBacklog))).scalar())


def apply(session: Session, limit: int = BATCH) -> int:
    """Add up to `limit` waiting logs to the rollups, in log order; how many it took."""
    # PostgreSQL: rows another batch holds are waited for, not skipped, so a read that
    # drains sees them added once that batch commits (and finds them gone).
    claim = select(AnalyticsBacklog.id).order_by(AnalyticsBacklog.id).limit(limit).with_for_update()
    taken = session.execute(
        delete(AnalyticsBacklog)
        .where(AnalyticsBacklog.id.in_(claim))
        .returning(AnalyticsBacklog.id, AnalyticsBacklog.facts)
    ).all()
    if taken:
        moves.add(session, [decode(facts) for _, facts in sorted(taken)])
    return len(taken)


def drain(engine: Engine, *, rounds: int = 1000) -> int:
    """Apply every waiting batch, each in its own transaction; the logs taken. Costs one
    read when nothing waits."""
    with transaction(engine, write=False) as session:
        if not waiting(session):
            return 0
    total = 0
    for _ in range(rounds):
        with transaction(engine) as session:
            n = apply(session)
        total += n
        if n < BATCH:
            break
    return total


def apply_all(session: Session) -> int:
    """`drain` inside the caller's transaction (verification, tests), with the moves the
    transaction itself waits to write at its commit."""
    moves.write_deferred(session)
    total = 0
    while n := apply(session):
        total += n
    return total
