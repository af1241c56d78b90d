"""The counters under concurrent bookings: no lost points, in the database and in Redis."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core import dbcompat
from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import keys, retention
from app.leaderboards.redis_index import member_key
from app.main import create_app
from app.models.leaderboard import BoardRank, BoardScore
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


def test_past_weeks_and_months_are_pruned_after_their_retention(
    client, factory, award, clock, monkeypatch
):
    lib = factory.library("palu")
    reader = factory.member(lib)
    award(reader, 30, day=date(2026, 11, 30))  # the week of 30 November, November, all time
    r = client.get("/v1/leaderboards", params={"period": "week"}, headers=factory.headers(reader))
    week_ends = date.fromisoformat(r.json()["ends_on"])
    assert r.json()["kept_until"] == (week_ends + timedelta(days=400)).isoformat()
    all_time = client.get(
        "/v1/leaderboards", params={"period": "all_time"}, headers=factory.headers(reader)
    )
    assert all_time.json()["kept_until"] is None

    def boards() -> set[str]:
        with factory.session() as s:
            # One snapshot for both reads: the pruning thread may commit between them.
            dbcompat.read_one_snapshot(s)
            found = set(s.execute(select(BoardScore.board)).scalars())
            counted = set(s.execute(select(BoardRank.board)).scalars())
        assert counted == found
        return found

    assert len(boards()) == 3
    # Kept on the last day of its retention ...
    clock.set(datetime(2028, 1, 3, 12, tzinfo=UTC))
    with transaction(factory.engine) as s:
        assert retention.prune(s, clock.now()) == 0
    # ... and gone after it, with nobody running anything: the app's own thread prunes.
    clock.set(datetime(2028, 1, 12, 12, tzinfo=UTC))
    monkeypatch.setattr(retention, "PRUNE_FIRST_SECONDS", 0.0)
    with TestClient(create_app(factory.settings, engine=factory.engine, clock=clock)):
        deadline = time.monotonic() + 20
        while len(boards()) == 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    left = boards()
    assert len(left) == 1 and next(iter(left)).endswith(":all")
