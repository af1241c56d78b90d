"""Changing a password, desk reset codes, and concurrent refreshes of one token."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from app.models.account import PasswordReset
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"
NEW = "Nasi-Goreng-Kampung-88"


def bearer(pair):
    return {"Authorization": f"Bearer {pair['access_token']}"}


def sign_in(client, email, password):
    return client.post("/v1/auth/token", data={"username": email, "password": password})


def test_changing_the_password_ends_other_sessions_but_this_one(client, factory):
    m = factory.member(email="dewi@example.org")
    phone, tablet = factory.tokens(m), factory.tokens(m)
    r = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers=bearer(phone),
    )
    assert r.status_code == 204, r.text
    assert client.get("/v1/me", headers=bearer(phone)).status_code == 200
    assert client.get("/v1/me", headers=bearer(tablet)).status_code == 401
    refresh = client.post("/v1/auth/refresh", json={"refresh_token": tablet["refresh_token"]})
    assert refresh.status_code == 401
    assert sign_in(client, "dewi@example.org", PASSWORD).status_code == 401
    assert sign_in(client, "dewi@example.org", NEW).status_code == 200


def test_password_change_refuses_a_wrong_current_or_weak_new_one(client, factory):
    m = factory.member(email="dewi@example.org")
    pair = factory.tokens(m)
    wrong = client.post(
        "/v1/me/password",
        json={"current_password": "not-my-password", "new_password": NEW},
        headers=bearer(pair),
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    weak = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "1234567890"},
        headers=bearer(pair),
    )
    assert weak.status_code == 422
    assert weak.json()["type"].endswith("weak-password")
    assert sign_in(client, "dewi@example.org", PASSWORD).status_code == 200
    anonymous = client.post(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert anonymous.status_code == 401


def test_a_child_token_cannot_change_a_password(client, factory):
    guardian = factory.member()
    child = factory.child(guardian)
    r = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers=factory.child_headers(guardian, child),
    )
    assert r.status_code == 403


def issue(client, factory, staff, lib, member):
    return client.post(
        f"/v1/libraries/{lib.slug}/members/{member.id}/password-reset",
        headers=factory.headers(staff),
    )


def test_staff_issue_a_code_that_works_once_and_is_recorded(client, factory, clock):
    lib = factory.library("palu")
    staff = factory.staff(lib)
    m = factory.member(lib, email="lupa@example.org")
    old = factory.tokens(m)
    r = issue(client, factory, staff, lib, m)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert r.json()["issued_by"] == staff.id
    with factory.session() as s:
        row = s.execute(select(PasswordReset)).scalar_one()
        assert row.issued_by == staff.id and row.member_id == m.id
        assert code not in row.code_hash  # only a digest is kept
    body = {"email": "lupa@example.org", "code": code.lower(), "new_password": NEW}
    done = client.post("/v1/auth/password-reset", json=body)
    assert done.status_code == 200, done.text
    assert client.get("/v1/me", headers=bearer(done.json())).status_code == 200
    assert client.get("/v1/me", headers=bearer(old)).status_code == 401  # sessions ended
    assert sign_in(client, "lupa@example.org", NEW).status_code == 200
    again = client.post("/v1/auth/password-reset", json={**body, "new_password": "Sate-Ayam-99x"})
    assert again.status_code == 400
    assert again.headers["content-type"] == PROBLEM


def test_reset_codes_expire_and_a_new_one_ends_the_old(client, factory, clock):
    lib = factory.library("palu")
    staff = factory.staff(lib)
    m = factory.member(lib, email="lupa@example.org")
    first = issue(client, factory, staff, lib, m).json()["code"]
    second = issue(client, factory, staff, lib, m).json()["code"]
    body = {"email": "lupa@example.org", "new_password": NEW}
    assert client.post("/v1/auth/password-reset", json={**body, "code": first}).status_code == 400
    clock.advance(minutes=31)
    assert client.post("/v1/auth/password-reset", json={**body, "code": second}).status_code == 400
    assert sign_in(client, "lupa@example.org", PASSWORD).status_code == 200


def test_only_the_members_own_library_staff_may_issue_and_it_is_rate_limited(client, factory):
    palu, semarang = factory.library("palu"), factory.library("semarang")
    m = factory.member(palu)
    other_staff = factory.staff(semarang)
    assert issue(client, factory, other_staff, palu, m).status_code == 403
    assert issue(client, factory, other_staff, semarang, m).status_code == 404
    member = factory.member(palu)
    assert issue(client, factory, member, palu, m).status_code == 403
    staff = factory.staff(palu)
    codes = [issue(client, factory, staff, palu, m).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_guessing_reset_codes_is_throttled(client, factory):
    lib = factory.library("palu")
    m = factory.member(lib, email="lupa@example.org")
    issue(client, factory, factory.staff(lib), lib, m)
    limit = client.app.state.settings.signin_attempts_per_account
    body = {"email": "lupa@example.org", "code": "AAAAA-AAAAA", "new_password": NEW}
    codes = [
        client.post("/v1/auth/password-reset", json=body).status_code for _ in range(limit + 1)
    ]
    assert codes[:limit] == [400] * limit
    assert codes[limit] == 429


def test_two_concurrent_refreshes_by_the_same_client_both_succeed(app, factory):
    m = factory.member()
    pair = factory.tokens(m)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            body = {"refresh_token": pair["refresh_token"]}
            return await asyncio.gather(
                c.post("/v1/auth/refresh", json=body), c.post("/v1/auth/refresh", json=body)
            )

    a, b = asyncio.run(main())
    assert (a.status_code, b.status_code) == (200, 200)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        for r in (a, b):
            assert client.get("/v1/me", headers=bearer(r.json())).status_code == 200
            nxt = client.post("/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]})
            assert nxt.status_code == 200


def test_reuse_after_the_grace_still_ends_the_family(client, factory, clock):
    m = factory.member()
    pair = factory.tokens(m)
    body = {"refresh_token": pair["refresh_token"]}
    first = client.post("/v1/auth/refresh", json=body)
    assert first.status_code == 200
    within = client.post("/v1/auth/refresh", json=body)
    assert within.status_code == 200  # the same phone, a moment later: a race, not a thief
    clock.advance(seconds=client.app.state.settings.refresh_grace_seconds + 1)
    late = client.post("/v1/auth/refresh", json=body)
    assert late.status_code == 401
    assert late.json()["type"].endswith("refresh-reused")
    for r in (first, within):
        assert client.get("/v1/me", headers=bearer(r.json())).status_code == 401
