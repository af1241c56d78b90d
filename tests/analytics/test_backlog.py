"""A counted log's facts wait in the backlog; what staff read always includes them."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app.analytics import backlog, rebuild
from app.models.analytics import ActivityDay, AnalyticsBacklog
from tests.analytics.conftest import Sent, send
from tests.analytics.test_summary import NOV, get


def waiting(factory) -> int:
    with factory.session() as s:
        return int(s.execute(select(func.count()).select_from(AnalyticsBacklog)).scalar_one())


def library_logs(factory, world) -> int:
    with factory.session() as s:
        n = s.execute(
            select(func.coalesce(func.sum(ActivityDay.logs), 0)).where(
                ActivityDay.library_id == world.palu.id, ActivityDay.challenge_id == 0
            )
        ).scalar_one()
        return int(n)


def test_a_log_waits_in_the_backlog_and_the_next_read_takes_it_in(client, factory, world):
    assert waiting(factory) == len(world.sent)  # the reading path moved no rollup
    assert library_logs(factory, world) == 0
    body = get(client, world, "summary", **NOV).json()
    assert body["logs"] == len(world.logs_between(date(2026, 11, 1), date(2026, 11, 30)))
    assert waiting(factory) == 0
    assert library_logs(factory, world) == len(world.sent)
    send(client, world.headers["citra"], Sent("citra", date(2026, 11, 17), pages=12))
    assert waiting(factory) == 1
    after = get(client, world, "summary", **NOV).json()
    assert after["logs"] == body["logs"] + 1 and after["pages"] == body["pages"] + 12


def test_one_batch_counts_a_reader_once_as_logs_one_by_one_do(client, factory, world):
    """Two logs of one member on one day in one batch: one reader of the day, as if each
    log had been added alone (the recount agrees)."""
    day = date(2026, 11, 17)
    for pages in (7, 8):
        send(client, world.headers["citra"], Sent("citra", day, pages=pages))
    with factory.session() as s:
        taken = backlog.apply_all(s)
        s.commit()
    assert taken == len(world.sent) + 2
    with factory.session() as s:
        assert list(rebuild.verify(s, world.palu)) == []
    body = get(client, world, "summary", start="2026-11-17", end="2026-11-17").json()
    readers = {s.member for s in world.sent if s.read_on == day} | {"citra"}
    assert body["active_readers"]["day"]["peak"] == len(readers) == 5


def test_a_log_withdrawn_before_its_batch_leaves_no_trace(client, factory, world):
    r = send(client, world.headers["citra"], Sent("citra", date(2026, 11, 17), pages=40))
    log_id = r["log"]["id"]
    assert (
        client.delete(f"/v1/reading-logs/{log_id}", headers=world.headers["citra"]).status_code
        == 204
    )
    with factory.session() as s:
        assert (
            s.execute(select(func.count()).where(AnalyticsBacklog.log_id == log_id)).scalar_one()
            == 0
        )
        assert list(rebuild.verify(s, world.palu)) == []
    body = get(client, world, "summary", **NOV).json()
    assert body["pages"] == sum(
        s.pages for s in world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    )


def test_the_worker_drains_the_backlog(factory, world, engine):
    assert backlog.drain(engine) == len(world.sent)
    assert waiting(factory) == 0
    assert backlog.drain(engine) == 0  # nothing waits: one read, no write


def test_a_rebuild_holds_every_waiting_log_once(client, factory, world):
    with factory.session() as s:
        rebuild.rebuild(s, world.palu)
        s.commit()
    assert waiting(factory) == 0
    with factory.session() as s:
        assert list(rebuild.verify(s, world.palu)) == []
    assert library_logs(factory, world) == len(world.sent)


def test_drains_at_once_never_count_a_log_twice(client, factory, world, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    for n in range(30):
        send(client, world.headers["budi"], Sent("budi", date(2026, 11, 17), minutes=n + 1))
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            start.wait()
            backlog.drain(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    backlog.drain(engine)
    assert waiting(factory) == 0
    assert library_logs(factory, world) == len(world.sent) + 30
    with factory.session() as s:
        assert list(rebuild.verify(s, world.palu)) == []
