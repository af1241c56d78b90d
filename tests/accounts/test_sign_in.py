"""Sign-in reveals nothing about which emails exist, is throttled, and hashes off-thread."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from app.accounts import hashing
from app.core import security
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"


class CountingContext:
    """Wraps the password context: counts every argon2 verification that runs."""

    def __init__(self, inner):
        self.inner = inner
        self.verified: list[str] = []

    def verify(self, password, hashed):
        self.verified.append(hashed)
        return self.inner.verify(password, hashed)

    def hash(self, password):
        return self.inner.hash(password)


@pytest.fixture
def counting(monkeypatch):
    ctx = CountingContext(security._pwd)
    monkeypatch.setattr(security, "_pwd", ctx)
    return ctx


def sign_in(client, email, password, **kw):
    return client.post("/v1/auth/token", data={"username": email, "password": password}, **kw)


def test_known_and_unknown_emails_cost_the_same_hash_work(client, factory, counting):
    m = factory.member(email="known@example.org")
    assert sign_in(client, "known@example.org", "wrong-password-1").status_code == 401
    assert sign_in(client, "nobody@example.org", "wrong-password-1").status_code == 401
    # One argon2 verification each: the member's hash, then the dummy one.
    assert len(counting.verified) == 2
    assert counting.verified[0] == m.password_hash
    assert counting.verified[1] == security._DUMMY_HASH
    assert counting.verified[1].startswith("$argon2")
    # A child profile (no password) costs the same too.
    child = factory.child(m)
    assert child.email is None
    assert sign_in(client, "known@example.org", PASSWORD).status_code == 200
    assert len(counting.verified) == 3


def test_unknown_and_wrong_password_answer_alike(client, factory):
    factory.member(email="known@example.org")
    a = sign_in(client, "known@example.org", "wrong-password-1")
    b = sign_in(client, "nobody@example.org", "wrong-password-1")
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]
    assert a.json()["type"] == b.json()["type"]


def test_the_right_password_is_refused_after_too_many_attempts(client, factory, clock):
    factory.member(email="target@example.org")
    limit = client.app.state.settings.signin_attempts_per_account
    for _ in range(limit):
        assert sign_in(client, "target@example.org", "wrong-password-1").status_code == 401
    r = sign_in(client, "Target@Example.org", PASSWORD)
    assert r.status_code == 429
    assert r.headers["content-type"] == PROBLEM
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= client.app.state.settings.signin_window_seconds
    assert r.json()["status"] == 429
    # Once the window has passed the member signs in again.
    clock.advance(seconds=retry)
    assert sign_in(client, "target@example.org", PASSWORD).status_code == 200


def test_other_accounts_are_not_locked_by_one_being_hammered(client, factory):
    factory.member(email="target@example.org")
    factory.member(email="other@example.org")
    limit = client.app.state.settings.signin_attempts_per_account
    for _ in range(limit + 2):
        sign_in(client, "target@example.org", "wrong-password-1")
    assert sign_in(client, "other@example.org", PASSWORD).status_code == 200


def test_one_address_sweeping_many_accounts_is_limited(app, client, factory):
    app.state.settings.signin_attempts_per_address = 5
    app.state.__dict__.pop("throttle", None)
    codes = [
        sign_in(client, f"guess{i}@example.org", "wrong-password-1").status_code for i in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429, 429]


def test_registration_is_rate_limited_per_address(app, client, factory):
    factory.library("palu")
    app.state.settings.register_attempts_per_address = 3
    app.state.__dict__.pop("throttle", None)
    codes = []
    for i in range(5):
        body = {
            "email": f"sweep{i}@example.org",
            "password": "panjang-sekali-123",
            "display_name": "Penyapu",
            "birth_year": 1990,
            "library": "palu",
        }
        codes.append(client.post("/v1/auth/register", json=body).status_code)
    assert codes == [201, 201, 201, 429, 429]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        (" " * 10, "spaces"),
        ("1234567890", "consecutive"),
        ("0987654321", "consecutive"),
        ("password12", "commonly used"),
        ("qwertyuiop", "consecutive"),
        ("aaaaaaaaaaaa", "different characters"),
        ("dewi@example.org", "email"),
        ("iloveyou12", "commonly used"),
        ("Dewi Anggraini", "name"),
    ],
)
def test_common_and_trivial_passwords_are_refused_with_the_reason(
    client, factory, password, reason
):
    factory.library("palu")
    body = {
        "email": "dewi@example.org",
        "password": password,
        "display_name": "Dewi Anggraini",
        "birth_year": 1990,
        "library": "palu",
    }
    r = client.post("/v1/auth/register", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("weak-password")
    assert reason in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "password"


def test_a_good_password_is_accepted(client, factory):
    factory.library("palu")
    body = {
        "email": "dewi@example.org",
        "password": "Kopi-Tubruk-di-Palu-7",
        "display_name": "Dewi Anggraini",
        "birth_year": 1990,
        "library": "palu",
    }
    assert client.post("/v1/auth/register", json=body).status_code == 201


def test_hashing_is_bounded_and_does_not_starve_other_requests(app, factory, monkeypatch):
    """Eight slow sign-ins at once: at most WORKERS hashes run together, on the hash
    pool, and another member's request is answered while they still wait."""
    factory.member(email="busy@example.org")
    reader = factory.member()
    headers = factory.headers(reader)
    running = peak = 0
    threads: set[str] = set()
    lock = threading.Lock()
    release = threading.Event()

    def slow_verify(password, hashed):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            threads.add(threading.current_thread().name)
        release.wait(5)
        time.sleep(0.05)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(security, "verify_password", slow_verify)
    order: list[str] = []

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:

            async def bad():
                r = await c.post(
                    "/v1/auth/token", data={"username": "busy@example.org", "password": "x" * 12}
                )
                order.append(f"signin:{r.status_code}")

            async def me():
                await asyncio.sleep(0.2)  # the sign-ins are all queued by now
                r = await c.get("/v1/me", headers=headers)
                order.append(f"me:{r.status_code}")
                release.set()

            await asyncio.gather(*(bad() for _ in range(8)), me())

    asyncio.run(main())
    assert order[0] == "me:200"  # answered while every sign-in still waited for its hash
    assert order.count("signin:401") == 8
    assert peak <= hashing.WORKERS
    assert all(t.startswith("password-hash") for t in threads)
