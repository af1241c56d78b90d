"""`ledger verify`: each invariant broken by hand is named, with the member it concerns."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.cli import main as cli
from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards.redis_index import RedisIndex, member_key
from app.main import create_app
from app.models.badge import Badge
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import MemberDay, ReadingLog
from app.services import ledger
from app.services.badges import ensure_demo_badges
from app.services.verify import INVARIANTS, check
from tests.factories import november_challenge

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def log(client, h, **kw):
    body = {"book": {"title": kw.pop("title", "Gadis Kretek"), "genre": "novel"}, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def verify(factory, monkeypatch, capsys) -> Iterator[Callable[[], tuple[int, str]]]:
    """Run `python -m app ledger verify` on the test's database: (exit code, its output)."""
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    from app.core.config import get_settings

    get_settings.cache_clear()

    def run() -> tuple[int, str]:
        code = cli(["ledger", "verify"])
        out = capsys.readouterr()
        return code, out.out + out.err

    yield run
    get_settings.cache_clear()


@pytest.fixture
def history(client, factory):
    """A reader with counted logs over three days, a pending log, a deleted log, a
    completed challenge and a badge: every invariant has something to hold for."""
    lib = factory.library("palu")
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    staff = factory.headers(factory.staff(lib))
    r = client.post(
        "/v1/challenges", json=november_challenge(target=50, bonus_points=25), headers=staff
    )
    assert r.status_code == 201, r.text
    challenge_id = r.json()["id"]
    reader = factory.member(lib)
    h = factory.headers(reader)
    for back in (2, 1, 0):
        day = (date(2026, 11, 17) - timedelta(days=back)).isoformat()
        log(client, h, pages=30, read_on=day, hashtags=["#TantanganBacaNovember"])
    log(client, h, pages=10, finished=True, title="Pulang")
    pending = log(client, h, pages=600, title="Bumi Manusia")
    assert pending["log"]["status"] == "pending_review"
    gone = log(client, h, pages=15, title="Amba")
    assert client.delete(f"/v1/reading-logs/{gone['log']['id']}", headers=h).status_code == 204
    return {"reader": reader, "library": lib, "challenge": challenge_id, "deleted": gone}


def accepted_log(factory, member_id: int) -> int:
    with factory.session() as s:
        return (
            s.execute(
                select(ReadingLog.id)
                .where(
                    ReadingLog.member_id == member_id,
                    ReadingLog.status == "accepted",
                    ReadingLog.deleted_at.is_(None),
                )
                .order_by(ReadingLog.id)
            )
            .scalars()
            .first()
        )


def pay_again(factory, member: Member, **row) -> None:
    """A second bonus row, booked the proper way (total and boards move with it)."""
    with transaction(factory.engine) as s:
        ledger.append(
            s,
            s.get(Member, member.id),
            [ledger.Row(**row)],
            day=date(2026, 11, 17),
            now=factory.clock.now(),
        )


def break_total(factory, h):
    with transaction(factory.engine) as s:
        s.execute(update(Member).where(Member.id == h["reader"].id).values(points_total=1))


def break_deleted_log(factory, h):
    log_id = accepted_log(factory, h["reader"].id)
    with transaction(factory.engine) as s:  # deleted without its compensating rows
        s.execute(
            update(ReadingLog).where(ReadingLog.id == log_id).values(deleted_at=factory.clock.now())
        )


def break_pending(factory, h):
    with transaction(factory.engine) as s:
        s.execute(update(Member).where(Member.id == h["reader"].id).values(points_pending=0))


def break_log_points(factory, h):
    log_id = accepted_log(factory, h["reader"].id)
    with transaction(factory.engine) as s:
        s.execute(update(ReadingLog).where(ReadingLog.id == log_id).values(points=0))


def break_day(factory, h):
    # a day that forgot which of its minutes were logged inside a challenge
    with transaction(factory.engine) as s:
        s.execute(
            update(MemberDay)
            .where(MemberDay.member_id == h["reader"].id)
            .values(boosted_minutes=MemberDay.boosted_minutes + 1)
        )


def break_completion(factory, h):
    pay_again(
        factory, h["reader"], rule_code="bonus.challenge", amount=25, challenge_id=h["challenge"]
    )


def break_badge(factory, h):
    with factory.session() as s:
        badge = s.execute(select(Badge).where(Badge.name == "Buku Pertama")).scalar_one()
    pay_again(factory, h["reader"], rule_code="bonus.badge", amount=10, badge_id=badge.id)


def break_board(factory, h):
    with transaction(factory.engine) as s:
        s.execute(
            update(BoardScore)
            .where(BoardScore.member_id == h["reader"].id, BoardScore.board.like("lib:%:all"))
            .values(points=BoardScore.points + 5)
        )


BREAKERS = {
    "total": break_total,
    "deleted-log": break_deleted_log,
    "pending": break_pending,
    "log-points": break_log_points,
    "day": break_day,
    "completion": break_completion,
    "badge": break_badge,
    "board": break_board,
}


def test_a_consistent_ledger_passes_every_check(history, verify):
    code, out = verify()
    assert code == 0, out
    assert "every invariant holds" in out


@pytest.mark.parametrize("invariant", list(BREAKERS))
def test_verify_names_each_broken_invariant_and_its_member(history, factory, verify, invariant):
    assert verify()[0] == 0
    BREAKERS[invariant](factory, history)
    code, out = verify()
    assert code == 1, out
    reader = history["reader"].id
    lines = [line.split() for line in out.splitlines()]
    named = {(int(p[0]), p[1]) for p in lines if len(p) > 2 and p[0].isdigit()}
    assert (reader, invariant) in named, out
    assert "1 member(s) affected" in out


def test_verify_names_a_day_that_keeps_the_wrong_multiplier(history, factory, verify):
    # a day whose minutes above x1 would convert at another multiplier than its logs'
    assert verify()[0] == 0
    with transaction(factory.engine) as s:
        s.execute(
            update(MemberDay)
            .where(MemberDay.member_id == history["reader"].id)
            .values(boosted_multiplier=MemberDay.boosted_multiplier + 5)
        )
    code, out = verify()
    assert code == 1, out
    wrong = [line.split() for line in out.splitlines() if "boosted_multiplier" in line]
    assert wrong and all(p[:2] == [str(history["reader"].id), "day"] for p in wrong), out


def test_every_invariant_has_a_test():
    assert set(BREAKERS) | {"redis-board"} == set(INVARIANTS)


@pytest.fixture
def redis_index() -> Iterator[RedisIndex]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable in CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    index = RedisIndex(REDIS_URL, f"bqtest:{secrets.token_hex(8)}")
    yield index
    index.drop_namespace()
    index.close()


def test_verify_names_redis_boards_that_differ_from_the_database(
    factory, settings, engine, clock, redis_index
):
    app = create_app(settings, engine=engine, clock=clock)
    app.state.leaderboard_index = redis_index
    lib = factory.library("palu")
    reader = factory.member(lib, age=9 + 30)  # an adult; the kid below is another group
    kid = factory.child(reader)
    today = local_date(clock.now(), lib.timezone)
    with transaction(engine, write=False) as s:
        redis_index.rebuild_library(s, lib.id or 0, today)
    with TestClient(app) as client:
        log(client, factory.headers(reader), pages=30)
        log(client, factory.child_headers(reader, kid), pages=12)
    with factory.session() as s:
        assert check(s, clock.now(), redis_index) == []
    board = f"lib:{lib.id}:all"
    redis_index.client.zincrby(redis_index.key(lib.id or 0, board), 7, member_key(reader.id))
    kids = redis_index.key(lib.id or 0, board, age_group="kids", year=today.year)
    redis_index.client.zrem(kids, member_key(kid.id))
    with factory.session() as s:
        breaches = check(s, clock.now(), redis_index)
    assert {(b.member_id, b.invariant) for b in breaches} == {
        (reader.id, "redis-board"),
        (kid.id, "redis-board"),
    }
    assert any("holds 37, the database 30" in b.detail for b in breaches), breaches
    assert any(":a2026:kids holds 0, the database 12" in b.detail for b in breaches), breaches
