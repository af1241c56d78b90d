"""Rebuilding boards: the counters from the ledger, and the Redis index from the counters.

`python -m app leaderboard rebuild [--library SLUG] [--from-ledger]`. Counting from the
ledger applies the rule `record` applies as rows are booked: every row counts on its
library's all-time board and on the week and month of its `day`; a row of a log also on
the boards of the log's `challenge_ids`, a challenge's bonus row on its challenge's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, text
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import keys, ranks
from app.leaderboards.redis_index import RedisIndex
from app.models.leaderboard import BoardScore
from app.models.library import Library
from app.models.member import Member
from app.models.reading import LedgerEntry, ReadingLog

CHUNK = 5_000


def recount(session: Session, library_id: int) -> int:
    """Replace a library's counters by sums over its ledger; returns the counters written.

    On PostgreSQL the counters table is locked against writers first, so a log booked
    meanwhile waits and then lands on top of the recount instead of being lost in it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE board_score IN EXCLUSIVE MODE"))
    members = select(Member.id).where(Member.library_id == library_id)
    session.execute(delete(BoardScore).where(BoardScore.member_id.in_(members)))
    sums = ledger_scores(session, library_id)
    values = [
        {"board": board, "member_id": member_id, "points": points}
        for (board, member_id), points in sums.items()
        if points != 0
    ]
    for i in range(0, len(values), CHUNK):
        session.execute(insert(BoardScore), values[i : i + CHUNK])
    ranks.refill(session.connection(), datetime.now(UTC).year, library_id)
    return len(values)


def ledger_scores(session: Session, library_id: int) -> dict[tuple[str, int], int]:
    """What every (board, member) counter of a library should hold: its ledger's sums."""
    sums: dict[tuple[str, int], int] = defaultdict(int)
    rows = session.execute(
        select(
            LedgerEntry.member_id,
            LedgerEntry.day,
            LedgerEntry.amount,
            LedgerEntry.challenge_id,
            ReadingLog.challenge_ids,
        )
        .outerjoin(ReadingLog, ReadingLog.id == LedgerEntry.log_id)
        .where(LedgerEntry.library_id == library_id)
        .execution_options(yield_per=20_000)
    )
    for member_id, day, amount, challenge_id, log_challenges in rows:
        for board in keys.day_boards(library_id, day):
            sums[(board, member_id)] += amount
        counts_for = {int(c) for c in log_challenges or ()}
        if challenge_id is not None:
            counts_for.add(challenge_id)
        for c in counts_for:
            sums[(keys.challenge_board(c), member_id)] += amount
    return sums


def libraries(session: Session, slug: str | None) -> list[Library]:
    stmt = select(Library).order_by(Library.id)
    if slug is not None:
        stmt = stmt.where(Library.slug == slug)
    return list(session.execute(stmt).scalars())


def rebuild(
    engine: Engine,
    index: RedisIndex | None,
    now: datetime,
    *,
    slug: str | None = None,
    from_ledger: bool = False,
) -> Iterable[str]:
    """Rebuild one library (or all); yields a line of progress per step."""
    with transaction(engine, write=False) as session:
        libs = [(lib.id or 0, lib.slug, lib.timezone) for lib in libraries(session, slug)]
    if slug is not None and not libs:
        raise LookupError(f"no library with slug {slug!r}")
    if from_ledger:
        for library_id, lib_slug, _ in libs:
            with transaction(engine) as session:
                n = recount(session, library_id)
            yield f"{lib_slug}: {n} counter(s) recounted from the ledger"
    if index is None:
        yield "no REDIS_URL: the database serves the boards, nothing more to rebuild"
        return
    years = set()
    for library_id, lib_slug, tz in libs:
        today = local_date(now, tz)
        years.add(today.year)
        with transaction(engine, write=False) as session:
            n = index.rebuild_library(session, library_id, today)
        yield f"{lib_slug}: {n} sorted-set entries loaded into Redis"
    if slug is None:
        # Libraries that join later start empty, so they are ready from the start too.
        index.mark_all_ready(min(years) if years else local_date(now, "Asia/Jakarta").year)
        yield "every library is ready in Redis"
