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


def test_a_transaction_moving_rollups_twice_never_deadlocks_with_a_batch(
    client, factory, world, engine
):
    """A withdrawal takes its log's waiting facts in (day rows, then topic rows) and
    later books points on another day (a day row again), while a batch writes day rows
    and then topic rows: writing in two steps, the withdrawal held a topic row the batch
    waited for while the batch held the day row it wanted next. Every writer now takes
    the rollups' rows in one order, at its commit."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    from sqlmodel import Session

    from app.services import ledger

    backlog.drain(engine)  # ana's periods and topics are known: inserting them locks none
    today, yesterday = date(2026, 11, 17), date(2026, 11, 16)
    send(client, world.headers["ana"], Sent("ana", today, pages=5, title="Bumi Manusia"))
    send(client, world.headers["citra"], Sent("citra", yesterday, pages=5))
    withdrawn = send(client, world.headers["ana"], Sent("ana", yesterday, pages=5))["log"]["id"]
    ana = world.people["ana"]
    took_in, errors = threading.Event(), []

    def withdrawal() -> None:
        try:
            with Session(engine) as s:
                backlog.take_in(s, withdrawn)  # yesterday's day and topic rows
                took_in.set()
                batch_blocked.wait(0.5)  # the batch runs into whatever this holds
                ledger.append(
                    s, ana, [ledger.Row("bonus.streak", 5)], day=today, now=factory.clock.now()
                )
                s.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            took_in.set()

    def batch() -> None:
        try:
            took_in.wait(10)
            with Session(engine) as s:
                backlog.apply(s, limit=2)  # ana today and citra yesterday, not the withdrawn
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    batch_blocked = threading.Event()
    threads = [threading.Thread(target=withdrawal), threading.Thread(target=batch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    backlog.drain(engine)
    with factory.session() as s:
        assert list(rebuild.verify(s, world.palu)) == []
