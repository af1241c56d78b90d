"""Two real servers on one database; one of them cannot reach Redis.

The cut-off worker books its logs in the database and answers boards from it; its changes
never reach Redis. The other worker, serving Redis boards, notices that its Redis has
applied fewer changes than the database counted, and rebuilds them from the database:
both answer the right board with nobody running anything.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from app.leaderboards.redis_index import RedisIndex
from tests.leaderboards.conftest import REDIS_URL, redis_unreachable

BOOK = {"title": "Laskar Pelangi", "author": "Andrea Hirata", "isbn": "9786020332956"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise AssertionError(f"server did not start: {log.read_text()}")


def _standings(base: str, headers: dict[str, str]) -> list[tuple[int, int, int]]:
    r = httpx.get(f"{base}/v1/leaderboards", params={"period": "all_time"}, headers=headers)
    assert r.status_code == 200, r.text
    return [(e["rank"], e["member_id"], e["points"]) for e in r.json()["entries"]]


def test_a_worker_cut_off_from_redis_leaves_no_wrong_board(db_url, factory, clock, tmp_path):
    why = redis_unreachable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable in CI: {why}")
        pytest.skip(f"Redis unreachable: {why}")
    clock.set(datetime.now(UTC))  # the servers run on the real clock
    # Both servers share the development namespace; a library id of its own keeps this
    # test's keys apart from anything else there.
    lib = factory.library("palu", id=10_000_000 + secrets.randbelow(10_000_000))
    readers = [factory.member(lib) for _ in range(4)]
    headers = [factory.headers(m) for m in readers]
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "SECRET_KEY": factory.settings.secret_key,
        "DATABASE_URL": db_url,
        "DB_POOL_SIZE": "4",
        "MAX_IN_FLIGHT": "4",
    }
    cut_off = {**env, "REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens there
    served = {**env, "REDIS_URL": REDIS_URL}
    index = RedisIndex(REDIS_URL, "bq:development")
    servers = [
        _serve(cut_off, tmp_path / "cut-off.log"),
        _serve(served, tmp_path / "served.log"),
    ]
    (_, lonely), (_, good) = servers
    try:
        # Through the worker with Redis: its boards become ready in Redis on their own.
        for h, pages in zip(headers[:2], (30, 20), strict=True):
            r = httpx.post(
                f"{good}/v1/reading-logs", json={"book": BOOK, "pages": pages}, headers=h
            )
            assert r.status_code == 201, r.text
        want = [(1, readers[0].id, 30), (2, readers[1].id, 20)]
        _until(lambda: _standings(good, headers[0]), want, also=lambda: _from_redis(index, lib.id))
        # Through the worker cut off from Redis: the database has them, Redis never will.
        for h, pages in zip(headers[2:], (50, 40), strict=True):
            r = httpx.post(
                f"{lonely}/v1/reading-logs", json={"book": BOOK, "pages": pages}, headers=h
            )
            assert r.status_code == 201, r.text
        want = [
            (1, readers[2].id, 50),
            (2, readers[3].id, 40),
            (3, readers[0].id, 30),
            (4, readers[1].id, 20),
        ]
        assert _standings(lonely, headers[0]) == want  # from the database
        # The worker with Redis answers right at once (from the database while its Redis
        # trails) and then from a repaired Redis, with nobody running a rebuild.
        assert _standings(good, headers[1]) == want
        _until(lambda: _standings(good, headers[0]), want, also=lambda: _redis_has(index, lib.id))
        assert _standings(good, headers[3]) == want
        assert _standings(lonely, headers[3]) == want
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
        doomed = list(index.client.scan_iter(match=f"bq:development:{lib.id}:*"))
        if doomed:
            index.client.delete(*doomed)
        index.client.hdel(index.ready_key, str(lib.id), f"!{lib.id}")
        index.close()


def _redis_has(index: RedisIndex, library_id: int) -> bool:
    """Redis holds all four members' all-time points (what it serves from)."""
    try:
        key = index.key(library_id, f"lib:{library_id}:all")
        return int(index.client.zcard(key)) == 4 and _from_redis(index, library_id)
    except redis.RedisError:
        return False


def _from_redis(index: RedisIndex, library_id: int) -> bool:
    """The library's Redis boards are built (ready, not stale)."""
    own, stale = index.client.hmget(index.ready_key, [str(library_id), f"!{library_id}"])
    return own is not None and stale is None


def _until(get, want, also=lambda: True, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        got = get()
        if got == want and also():
            return
        assert time.monotonic() < deadline, f"still {got!r}, not {want!r}"
        time.sleep(0.25)
