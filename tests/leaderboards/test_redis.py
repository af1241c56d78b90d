"""The Redis index: the same answers as the database, and still right when Redis is not."""

from __future__ import annotations

import itertools
import random
import secrets
import time
from datetime import UTC, datetime

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from app.cli import main as cli_main
from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import feed, keys
from app.leaderboards import redis_index as redis_index_module
from app.leaderboards.rebuild import rebuild
from app.leaderboards.redis_index import member_key
from app.main import create_app
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.services import ledger
from tests.factories import november_challenge
from tests.leaderboards.conftest import SpyIndex, ranks


@pytest.fixture
def mode() -> str:
    return "redis"  # these tests are about Redis: no database-only run


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def _both(client, factory, engine, index, who, params):
    """The same request answered by Redis, then by the database."""
    h = factory.headers(who)
    via_redis = client.get("/v1/leaderboards", params=params, headers=h)
    assert index.answers[-1] is True, params
    feed.configure(engine, None)
    try:
        via_db = client.get("/v1/leaderboards", params=params, headers=h)
    finally:
        feed.configure(engine, index)
    assert via_redis.status_code == via_db.status_code == 200, via_db.text
    return via_redis.json(), via_db.json()


def test_redis_and_the_database_give_the_same_answers(client, factory, award, engine, index, palu):
    rnd = random.Random(7)
    staff = factory.staff(palu)
    r = client.post(
        "/v1/challenges",
        json=november_challenge(),
        headers=factory.headers(staff),
    )
    challenge_id = r.json()["id"]
    schools = ["SMP 1", "SMP 2", None]
    members = []
    for i in range(40):
        if i % 5 == 0 and members:
            m = factory.child(members[-1], age=rnd.choice([8, 10, 12]))
        else:
            m = factory.member(
                palu,
                age=rnd.choice([14, 16, 30, 50]),
                school=rnd.choice(schools),
                school_confirmed_at=factory.clock.now(),
                leaderboard_opt_out=rnd.random() < 0.15,
            )
        members.append(m)
        # Few distinct values, so ties are everywhere (and cut through by small limits).
        for _ in range(rnd.randint(0, 3)):
            award(m, rnd.choice([5, 10, 10, 20]), challenge_ids=[challenge_id])
        if rnd.random() < 0.3:
            award(m, -5)  # a reversal: some counters end at zero or below
    # Callers who may see children (guardians and staff): Redis answers all their boards.
    callers = [members[i] for i in (4, 9, 14, 19, 24, 29)] + [staff]
    variants = [
        {},
        {"period": "month"},
        {"period": "all_time", "limit": 3},
        {"age_group": "teens"},
        {"age_group": "adults", "limit": 1},
        {"age_group": "kids", "period": "all_time"},
        {"scope": "challenge", "id": str(challenge_id), "limit": 4},
        {"scope": "challenge", "id": str(challenge_id), "age_group": "adults"},
    ]
    compared = 0
    for who, params in itertools.product(callers, variants):
        via_redis, via_db = _both(client, factory, engine, index, who, params)
        assert via_redis == via_db, (who.id, params)
        compared += 1
    for who in callers:
        with factory.session() as s:
            fresh = s.get(Member, who.id)
        for school in ("SMP 1", "SMP 2"):
            params = {"scope": "school", "id": school, "period": "all_time"}
            if fresh.school != school and fresh.role == "member":
                continue
            if fresh.school is None and fresh.role == "member":
                continue
            via_redis, via_db = _both(client, factory, engine, index, fresh, params)
            assert via_redis == via_db
            compared += 1
    assert compared > 50


def test_redis_down_still_gives_right_answers(settings, engine, clock, factory, award):
    down = SpyIndex("redis://127.0.0.1:1/0", f"bqtest:{secrets.token_hex(6)}")
    app = create_app(settings, engine=engine, clock=clock)
    app.state.leaderboard_index = down
    lib = factory.library("palu")
    a, b = factory.member(lib), factory.member(lib)
    with TestClient(app, raise_server_exceptions=False) as client:
        award(a, 10)  # the write to Redis fails after the commit: the points stay
        award(b, 30)
        r = client.get("/v1/leaderboards", headers=factory.headers(a))
        assert r.status_code == 200
        assert ranks(r.json()) == [(1, b.id, 30), (2, a.id, 10)]
        assert r.json()["me"]["rank"] == 2
        assert down.answers and not any(down.answers)
        # A profile change with Redis down is fine too.
        r = client.patch("/v1/me", json={"leaderboard_opt_out": True}, headers=factory.headers(b))
        assert r.status_code == 200
        r = client.get("/v1/leaderboards", headers=factory.headers(a))
        assert ranks(r.json()) == [(1, a.id, 10)]


def test_a_failed_write_marks_the_board_stale_and_it_is_repaired(
    board, factory, award, index, palu, clock, monkeypatch
):
    monkeypatch.setattr(redis_index_module, "BACKOFF_SECONDS", 0.0)
    a, b = factory.member(palu), factory.member(palu)
    award(a, 10)
    assert ranks(board(a)) == [(1, a.id, 10)]
    real_pipeline = index.client.pipeline
    with monkeypatch.context() as m:

        def broken(*args, **kwargs):
            raise redis.ConnectionError("Redis went away")

        m.setattr(index.client, "pipeline", broken)
        award(b, 20)  # committed in the database, lost on the way to Redis
    assert index.client.pipeline == real_pipeline
    # Redis is back: the board is known stale, so the database answers, rightly, and
    # the boards are rebuilt from the database with no operator.
    assert ranks(board(a, from_redis=False)) == [(1, b.id, 20), (2, a.id, 10)]
    _until_redis_answers(board, index, a)
    assert index.client.hget(index.ready_key, f"!{palu.id}") is None
    assert ranks(board(a)) == [(1, b.id, 20), (2, a.id, 10)]


def _until_redis_answers(board, index, who, **params):
    """Read the board until Redis answers it again (a repair runs on its own thread)."""
    deadline = time.monotonic() + 20
    while True:
        body = board(who, from_redis=None, **params)
        if index.answers[-1]:
            return body
        assert time.monotonic() < deadline, "Redis never answered again"
        time.sleep(0.1)


def test_rolled_back_points_never_reach_redis(board, factory, index, palu, clock):
    a = factory.member(palu)
    day = local_date(clock.now(), palu.timezone)
    with pytest.raises(RuntimeError), transaction(factory.engine) as s:
        ledger.append(
            s, s.get(Member, a.id), [ledger.Row("reading.pages", 40)], day=day, now=clock.now()
        )
        raise RuntimeError("the request failed after booking")
    with transaction(factory.engine) as s:
        m = s.get(Member, a.id)
        with s.begin_nested() as savepoint:
            ledger.append(s, m, [ledger.Row("reading.pages", 7)], day=day, now=clock.now())
            savepoint.rollback()
        ledger.append(s, m, [ledger.Row("reading.pages", 3)], day=day, now=clock.now())
    body = board(a)
    assert ranks(body) == [(1, a.id, 3)]
    key = index.key(palu.id, keys.library_board(palu.id, "all_time", day))
    assert index.client.zscore(key, member_key(a.id)) == 3.0
    with factory.session() as s:
        assert (
            s.execute(
                select(BoardScore.points).where(
                    BoardScore.member_id == a.id, BoardScore.board.like("lib:%:all")
                )
            ).scalar_one()
            == 3
        )


def test_rebuild_from_the_ledger_gives_the_same_counters(
    board, client, factory, award, engine, index, palu, clock
):
    staff = factory.staff(palu)
    ch = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan",
            "hashtag": "#TantanganBaca",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 50,
            "bonus_points": 25,
        },
        headers=factory.headers(staff),
    ).json()
    readers = [factory.member(palu) for _ in range(3)]
    for i, m in enumerate(readers):
        h = factory.headers(m)
        client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
        for pages in (10 * (i + 1), 30):
            r = client.post(
                "/v1/reading-logs",
                json={"book": {"title": "Cantik Itu Luka"}, "pages": pages},
                headers=h,
            )
            assert r.status_code == 201, r.text
    gone = client.get("/v1/reading-logs", headers=factory.headers(readers[0])).json()["items"][0]
    client.delete(f"/v1/reading-logs/{gone['id']}", headers=factory.headers(readers[0]))
    award(readers[2], 4, day=local_date(clock.now(), palu.timezone).replace(day=2))

    def counters():
        with factory.session() as s:
            return sorted(
                (r.board, r.member_id, r.points) for r in s.execute(select(BoardScore)).scalars()
            )

    before = counters()
    assert any(b.startswith("ch:") for b, _, _ in before)
    boards_before = [
        board(readers[1], **p)
        for p in ({}, {"period": "all_time"}, {"scope": "challenge", "id": str(ch["id"])})
    ]
    with transaction(engine) as s:
        s.execute(delete(BoardScore))
    lines = list(rebuild(engine, index, clock.now(), from_ledger=True))
    assert any("recounted" in line for line in lines)
    assert counters() == before
    boards_after = [
        board(readers[1], **p)
        for p in ({}, {"period": "all_time"}, {"scope": "challenge", "id": str(ch["id"])})
    ]
    assert boards_after == boards_before


def test_new_year_moves_age_groups_in_redis_with_no_operator(
    board, client, factory, award, index, palu, clock
):
    twelve = factory.member(palu, age=12)  # born 2014: a kid in 2026, a teen in 2027
    award(twelve, 9)
    assert ranks(board(twelve, age_group="kids", period="all_time")) == [(1, twelve.id, 9)]
    clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 1 January 2027 in Palu
    # A teen now: the children's board is for the children, their guardians and staff.
    r = client.get(
        "/v1/leaderboards",
        params={"age_group": "kids", "period": "all_time"},
        headers=factory.headers(twelve),
    )
    assert r.status_code == 403
    teens = board(twelve, age_group="teens", period="all_time", from_redis=False)
    assert ranks(teens) == [(1, twelve.id, 9)]
    # No operator: the first read of the new year has the boards rebuilt for it.
    teens = _until_redis_answers(board, index, twelve, age_group="teens", period="all_time")
    assert ranks(teens) == [(1, twelve.id, 9)]
    kid = factory.member(palu, age=9)
    award(kid, 4)
    kids = board(factory.staff(palu), age_group="kids", period="all_time")
    assert ranks(kids) == [(1, kid.id, 4)]


def test_cli_rebuild_from_the_ledger_without_redis(settings, factory, award, monkeypatch, capsys):
    lib = factory.library("palu")
    a = factory.member(lib)
    award(a, 12)
    with transaction(factory.engine) as s:
        s.execute(delete(BoardScore))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    from app.core.config import get_settings

    get_settings.cache_clear()
    feed.process_index.cache_clear()
    try:
        assert cli_main(["leaderboard", "rebuild", "--from-ledger"]) == 0
        assert cli_main(["leaderboard", "rebuild", "--library", "atlantis"]) == 2
    finally:
        get_settings.cache_clear()
        feed.process_index.cache_clear()
    out = capsys.readouterr().out
    assert "palu: 3 counter(s) recounted" in out
    assert "no REDIS_URL" in out
