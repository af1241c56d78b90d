"""The attempt limit is shared by workers: two real servers on one database (and on one
Redis), attempts alternating between them, and the limit still holds."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.factories import PASSWORD

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 4


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
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError(f"server did not start: {log.read_text()}")


@pytest.mark.parametrize("store", ["database", "redis"])
def test_429_after_the_limit_across_two_workers(db_url, factory, tmp_path, store):
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": db_url,
        "DB_POOL_SIZE": "4",
        "MAX_IN_FLIGHT": "2",
        "SIGNIN_ATTEMPTS_PER_ACCOUNT": str(LIMIT),
        "RATE_LIMIT_NAMESPACE": f"bqtest-{secrets.token_hex(6)}",
    }
    env.pop("REDIS_URL", None)
    if store == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis unreachable in CI: {exc}")
            pytest.skip(f"Redis unreachable: {exc}")
        env["REDIS_URL"] = REDIS_URL
    factory.member(email="target@example.org")
    servers = [_serve(env, tmp_path / f"server{i}.log") for i in range(2)]
    try:
        codes = []
        for i in range(LIMIT + 2):
            _, base = servers[i % 2]
            r = httpx.post(
                f"{base}/v1/auth/token",
                data={"username": "target@example.org", "password": "wrong-password-1"},
                timeout=10,
            )
            codes.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) > 0
                assert r.headers["content-type"] == "application/problem+json"
        assert codes == [401] * LIMIT + [429, 429]
        # The right password on either server is refused too, until the window passes.
        for _, base in servers:
            r = httpx.post(
                f"{base}/v1/auth/token",
                data={"username": "target@example.org", "password": PASSWORD},
                timeout=10,
            )
            assert r.status_code == 429
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            proc.wait(10)
        if store == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            for k in client.scan_iter(f"{env['RATE_LIMIT_NAMESPACE']}:*"):
                client.delete(k)
