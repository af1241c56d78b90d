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
`analytics verify`. A log withdrawn while its facts still wait has them added first
(`take_in`), then taken away as before (`counters.uncount_log`).
Batches on PostgreSQL claim their rows with `FOR UPDATE` in log order, and write
every table in key order: concurrent drains wait for each other (a read's drain thus
sees what a running batch adds) and never count a log twice or deadlock.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, bindparam, delete, exists, insert, select
from sqlmodel import Session

from app.analytics import rows, versions
from app.analytics.counters import (
    ACTIVITY_COUNTS,
    ACTIVITY_KEY,
    PERIODS,
    READERS,
    TOPIC_COUNTS,
    TOPIC_KEY,
    LogFacts,
    period_starts,
    version_move,
)
from app.core.db import transaction
from app.core.hotsql import HotSql
from app.models.analytics import (
    ActivityDay,
    AnalyticsBacklog,
    MemberPeriod,
    MemberTopic,
    TopicDay,
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
    if taken:
        add(session, [decode(facts) for _, facts in sorted(taken)])


def forget_library(session: Session, library_id: int) -> None:
    """Drop a library's waiting facts (its rollups are being recounted from the logs)."""
    session.execute(delete(AnalyticsBacklog).where(AnalyticsBacklog.library_id == library_id))


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
        add(session, [decode(facts) for _, facts in sorted(taken)])
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
    """`drain` inside the caller's transaction (verification, tests)."""
    total = 0
    while n := apply(session):
        total += n
    return total


# -- adding a batch ---------------------------------------------------------------------

Cell = tuple[Any, ...]


def add(session: Session, batch: Sequence[LogFacts]) -> None:
    """What `batch` (in log order) adds: as if each log had moved the rollups in turn."""
    activity: dict[Cell, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY_COUNTS, 0))
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
    for member_id, scope, period, start in rows.first_seen(
        session,
        MemberPeriod,
        ("member_id", "scope", "period", "starts_on"),
        sorted(periods),
    ):
        activity[periods[(member_id, scope, period, start)]][reader_of[period]] += 1
    for member_id, kind, topic, _ in rows.first_seen(
        session,
        MemberTopic,
        ("member_id", "kind", "topic", "first_on"),
        sorted((*key, first_on) for key, (first_on, _) in met.items()),
    ):
        topics[met[(member_id, kind, topic)][1]]["readers"] += 1
    for lib in {f.library_id for f in batch}:  # the libraries' versions move with them
        activity[versions.cell(lib, batch[0].member_id)] = version_move()
    rows.add_counts(session, ActivityDay, ACTIVITY_KEY, ACTIVITY_COUNTS, activity)
    rows.add_counts(session, TopicDay, TOPIC_KEY, TOPIC_COUNTS, topics)


def _add_to(into: dict[str, int], sums: dict[str, int]) -> None:
    for k, v in sums.items():
        if k in into:
            into[k] += v
