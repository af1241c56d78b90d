"""Leaderboard fixtures: every board test runs against the database and against Redis.

The Redis runs use the machine's Redis with a namespace of their own, dropped after the
test. They are skipped when Redis cannot be reached, except in CI, where that fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards.redis_index import RedisIndex
from app.main import create_app
from app.models.library import Library
from app.models.member import Member
from app.services import ledger

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROBLEM = "application/problem+json"


def redis_unreachable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


class SpyIndex(RedisIndex):
    """A RedisIndex that remembers whether Redis answered each board read."""

    def __init__(self, url: str, namespace: str) -> None:
        super().__init__(url, namespace)
        self.answers: list[bool] = []

    def board(self, *args: Any, **kwargs: Any) -> Any:
        answer = super().board(*args, **kwargs)
        self.answers.append(answer is not None)
        return answer


@pytest.fixture
def redis_index() -> Iterator[SpyIndex]:
    why = redis_unreachable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable in CI: {why}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {why}")
    index = SpyIndex(REDIS_URL, f"bqtest:{secrets.token_hex(8)}")
    yield index
    index.drop_namespace()
    index.close()


@pytest.fixture(params=["db", "redis"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(mode: str, request: pytest.FixtureRequest) -> SpyIndex | None:
    if mode != "redis":
        return None
    found: SpyIndex = request.getfixturevalue("redis_index")
    return found


@pytest.fixture
def app(settings, engine, clock, index) -> FastAPI:  # type: ignore[no-untyped-def]
    application = create_app(settings, engine=engine, clock=clock)
    application.state.leaderboard_index = index
    if index is not None:
        # The database starts empty, so the (empty) index is complete: ready for reads.
        index.mark_all_ready(clock.now().year)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def board(client, factory, index) -> Callable[..., dict[str, Any]]:  # type: ignore[no-untyped-def]
    """GET /v1/leaderboards as `who`; in Redis mode, checks Redis gave the answer."""

    def get(who: Member, *, from_redis: bool | None = True, **params: Any) -> dict[str, Any]:
        """`from_redis=None`: either may answer (`index.answers[-1]` says which)."""
        r = client.get("/v1/leaderboards", params=params, headers=factory.headers(who))
        assert r.status_code == 200, r.text
        if index is not None and from_redis is not None:
            assert index.answers[-1] is from_redis, "Redis should have answered"
        body: dict[str, Any] = r.json()
        return body

    return get


@pytest.fixture
def award(factory, clock) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    """Book points for a member through the ledger (the one way points move)."""

    def give(
        member: Member,
        points: int,
        *,
        day: date | None = None,
        challenge_ids: Sequence[int] = (),
        rule_code: str = "reading.pages",
        challenge_id: int | None = None,
    ) -> None:
        with transaction(factory.engine) as s:
            m = s.get(Member, member.id)
            assert m is not None
            lib = s.get(Library, m.library_id)
            assert lib is not None
            ledger.append(
                s,
                m,
                [ledger.Row(rule_code, points, challenge_id=challenge_id)],
                day=day or local_date(clock.now(), lib.timezone),
                now=clock.now(),
                challenge_ids=challenge_ids,
            )

    return give


def ranks(body: dict[str, Any]) -> list[tuple[int, int, int]]:
    """(rank, member_id, points) of a board's entries."""
    return [(e["rank"], e["member_id"], e["points"]) for e in body["entries"]]
