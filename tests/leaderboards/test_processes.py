"""Several app processes on one database: what one keeps of the boards follows the others.

Each app below has an engine of its own, as a second worker or host would: whatever it
keeps in memory (a library's settings, a board's top) must follow a change made through
the other at once, with no time to wait out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.db import make_engine, transaction
from app.main import create_app
from app.models.library import Library
from app.models.member import Member


@pytest.fixture
def two(settings, db_url, clock) -> Iterator[tuple[TestClient, TestClient]]:  # type: ignore[no-untyped-def]
    engines = [make_engine(db_url, pool_size=2) for _ in range(2)]
    apps = [create_app(settings, engine=e, clock=clock) for e in engines]
    for a in apps:
        a.state.leaderboard_index = None  # the database answers: the embedded default
    with TestClient(apps[0]) as one, TestClient(apps[1]) as other:
        yield one, other
    for e in engines:
        e.dispose()


def _board(client: TestClient, factory: Any, who: Member, **params: Any) -> dict[str, Any]:
    r = client.get(
        "/v1/leaderboards",
        params={"period": "all_time", **params},
        headers=factory.headers(who),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _listed(body: dict[str, Any]) -> list[tuple[int, str, int]]:
    return [(e["member_id"], e["name"], e["points"]) for e in body["entries"]]


def test_a_library_setting_changed_through_one_process_is_seen_by_the_other(
    two, factory, award, clock
):
    one, _ = two
    # Sunday 23:30 in Palu's old zone (Jakarta), already Monday 01:30 in Jayapura.
    clock.set(datetime(2026, 11, 29, 16, 30, tzinfo=UTC))
    palu = factory.library("palu", timezone="Asia/Jakarta")
    reader = factory.member(palu)
    staff = factory.staff(palu)
    award(reader, 10)
    award(staff, 40)
    before = _board(one, factory, reader, period="week")
    assert [e["member_id"] for e in before["entries"]] == [reader.id]
    assert before["starts_on"] == "2026-11-23"
    # Changed on another host: nothing in this process is told.
    with transaction(factory.engine) as s:
        lib = s.get(Library, palu.id)
        assert lib is not None
        lib.staff_on_boards, lib.timezone = True, "Asia/Jayapura"
    after = _board(one, factory, reader)
    assert [e["member_id"] for e in after["entries"]] == [staff.id, reader.id]
    week = _board(one, factory, reader, period="week")
    assert week["starts_on"] == "2026-11-30"  # the new zone's week, empty so far
    assert week["entries"] == []


def test_a_top_kept_by_one_process_follows_logs_and_profiles_made_through_another(
    two, factory, award
):
    one, other = two
    palu = factory.library("palu")
    first = factory.member(palu, nickname="Kancil")
    second = factory.member(palu, nickname="Rusa")
    asking = factory.member(palu)
    award(first, 20)
    award(second, 10)
    assert _listed(_board(one, factory, asking)) == [
        (first.id, "Kancil", 20),
        (second.id, "Rusa", 10),
    ]
    assert _board(one, factory, asking) == _board(one, factory, asking)  # kept, same answer
    award(second, 30)  # booked by another process
    assert _listed(_board(one, factory, asking)) == [
        (second.id, "Rusa", 40),
        (first.id, "Kancil", 20),
    ]
    r = other.patch("/v1/me", json={"nickname": "Kancil Cerdik"}, headers=factory.headers(first))
    assert r.status_code == 200, r.text
    assert _listed(_board(one, factory, asking))[1] == (first.id, "Kancil Cerdik", 20)
    r = other.patch("/v1/me", json={"leaderboard_opt_out": True}, headers=factory.headers(second))
    assert r.status_code == 200, r.text
    body = _board(one, factory, asking)
    assert _listed(body) == [(first.id, "Kancil Cerdik", 20)]
    assert body["total_ranked"] == 1
    # The one asking is marked in a kept top too, and only there.
    mine = _board(one, factory, first)
    assert [e["is_me"] for e in mine["entries"]] == [True]
    assert [e["is_me"] for e in _board(one, factory, asking)["entries"]] == [False]


def test_a_kept_top_costs_no_statement_until_the_board_moves(
    settings, db_url, clock, factory, award
):
    if not db_url.startswith("sqlite"):
        pytest.skip("counts statements with SQLite's trace hook")
    engine = make_engine(db_url, pool_size=2)
    seen: list[str] = []

    @event.listens_for(engine, "connect")
    def _trace(dbapi: Any, _: Any) -> None:
        dbapi.set_trace_callback(seen.append)

    app = create_app(settings, engine=engine, clock=clock)
    app.state.leaderboard_index = None
    palu = factory.library("palu")
    first, second = factory.member(palu), factory.member(palu)
    award(first, 20)

    def tops() -> int:
        seen.clear()
        _board(client, factory, second)
        return sum("ORDER BY board_score.points DESC" in q for q in seen)

    try:
        with TestClient(app) as client:
            assert tops() == 1
            assert tops() == 0  # the same versions: the kept top
            award(second, 5)
            assert tops() == 1
    finally:
        engine.dispose()
