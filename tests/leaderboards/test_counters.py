"""The counters under concurrent bookings: no lost points, in the database and in Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import keys
from app.leaderboards.redis_index import member_key
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry
from app.services import ledger


def test_concurrent_bookings_lose_no_points(factory, clock, index, board):
    lib = factory.library("palu")
    members = [factory.member(lib) for _ in range(3)]
    day = local_date(clock.now(), lib.timezone)

    def book(n: int) -> None:
        member = members[n % len(members)]
        with transaction(factory.engine) as s:
            m = s.get(Member, member.id)
            ledger.append(s, m, [ledger.Row("reading.pages", 1 + n % 5)], day=day, now=clock.now())

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(book, range(60)))

    all_time = keys.library_board(lib.id, "all_time", day)
    with factory.session() as s:
        sums = dict(
            s.execute(
                select(LedgerEntry.member_id, func.sum(LedgerEntry.amount)).group_by(
                    LedgerEntry.member_id
                )
            ).all()
        )
        counters = dict(
            s.execute(
                select(BoardScore.member_id, BoardScore.points).where(BoardScore.board == all_time)
            ).all()
        )
    assert counters == sums
    assert sum(sums.values()) == sum(1 + n % 5 for n in range(60))
    if index is not None:
        key = index.key(lib.id, all_time)
        held = {m.id: index.client.zscore(key, member_key(m.id)) for m in members}
        assert held == {m: float(p) for m, p in sums.items()}
    shown = board(members[0], period="all_time")
    assert {e["member_id"]: e["points"] for e in shown["entries"]} == sums
