"""Registration, sign-in, refresh rotation, logout, child tokens, and hostile tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jose import jwt
from sqlalchemy import func, select

from app.models.member import Member
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"


def register_body(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": "Dewi@Example.org",
        "password": "panjang-sekali-123",
        "display_name": "Dewi Anggraini",
        "birth_year": 2000,
        "library": "palu",
    }
    body.update(kw)
    return body


def member_count(factory) -> int:
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(Member)).scalar_one()


def test_register_then_sign_in_with_any_case(client, factory):
    factory.library("palu")
    r = client.post("/v1/auth/register", json=register_body())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["member"]["email"] == "dewi@example.org"
    assert body["member"]["age_group"] == "adults"
    assert body["member"]["library"] == "palu"
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["display_name"] == "Dewi Anggraini"

    tok = client.post(
        "/v1/auth/token", data={"username": "DEWI@example.ORG", "password": "panjang-sekali-123"}
    )
    assert tok.status_code == 200
    assert tok.json()["token_type"] == "bearer"
    assert tok.json()["expires_in"] == 15 * 60


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"birth_year": "next year"}, "birth_year"),
        ({"birth_year": 2030}, "birth_year"),
        ({"birth_year": 2020}, "birth_year"),  # a child registers through a guardian
        ({"display_name": "x" * 81}, "display_name"),
        ({"email": "not-an-email"}, "email"),
        ({"library": "atlantis"}, "library"),
        ({"display_name": "Dewi\u0000"}, "display_name"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(client, factory, change, field):
    factory.library("palu")
    before = member_count(factory)
    r = client.post("/v1/auth/register", json=register_body(**change))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 422
    assert any(field in (e.get("field") or "") for e in problem["errors"])
    assert member_count(factory) == before


def test_duplicate_email_in_any_case_is_a_conflict(client, factory):
    factory.library("palu")
    assert client.post("/v1/auth/register", json=register_body()).status_code == 201
    before = member_count(factory)
    r = client.post("/v1/auth/register", json=register_body(email="DEWI@EXAMPLE.ORG"))
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    assert member_count(factory) == before


def test_wrong_password_is_401_problem(client, factory):
    m = factory.member()
    r = client.post("/v1/auth/token", data={"username": m.email, "password": "wrong-password"})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    ok = client.post("/v1/auth/token", data={"username": m.email, "password": PASSWORD})
    assert ok.status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(client, factory):
    m = factory.member()
    first = factory.tokens(m)
    r = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The spent token comes back from another device: an attacker may hold it, so the
    # family ends.
    reuse = client.post(
        "/v1/auth/refresh",
        json={"refresh_token": first["refresh_token"]},
        headers={"User-Agent": "another-device"},
    )
    assert reuse.status_code == 401
    assert reuse.json()["type"].endswith("refresh-reused")
    again = client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401


def test_other_sign_ins_survive_a_reuse(client, factory):
    m = factory.member()
    phone, tablet = factory.tokens(m), factory.tokens(m)
    client.post("/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    stolen = client.post(
        "/v1/auth/refresh",
        json={"refresh_token": phone["refresh_token"]},
        headers={"User-Agent": "another-device"},
    )
    assert stolen.status_code == 401
    r = client.post("/v1/auth/refresh", json={"refresh_token": tablet["refresh_token"]})
    assert r.status_code == 200


def test_refresh_token_expires(client, factory, clock):
    m = factory.member()
    pair = factory.tokens(m)
    clock.advance(days=31)
    r = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401


def test_logout_ends_access_and_refresh(client, factory):
    m = factory.member()
    pair = factory.tokens(m)
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.post("/v1/auth/logout", headers=auth).status_code == 204
    assert client.get("/v1/me", headers=auth).status_code == 401
    r = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401


def test_garbage_refresh_tokens_are_401(client):
    for raw in ["x", "a.b", "." * 10, "nope.nope"]:
        r = client.post("/v1/auth/refresh", json={"refresh_token": raw})
        assert r.status_code == 401, raw


def _claims(factory, member, **over):
    now = factory.clock.now()
    pair = factory.tokens(member)
    sid = jwt.get_unverified_claims(pair["access_token"])["sid"]
    claims = {
        "sub": str(member.id),
        "sid": sid,
        "iss": factory.settings.jwt_issuer,
        "aud": factory.settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "typ": "access",
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def test_a_well_formed_token_works(client, factory):
    m = factory.member()
    token = jwt.encode(_claims(factory, m), factory.settings.secret_key, algorithm="HS256")
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def _none_token(claims: dict) -> str:
    import base64
    import json

    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize(
    "kind",
    ["expired", "other-key", "alg-none", "hs512", "no-aud", "wrong-aud", "no-exp", "refresh"],
)
def test_hostile_tokens_are_refused(client, factory, clock, kind):
    m = factory.member()
    key = factory.settings.secret_key
    now = int(clock.now().timestamp())
    if kind == "expired":
        token = jwt.encode(_claims(factory, m, exp=now - 1), key, algorithm="HS256")
    elif kind == "other-key":
        token = jwt.encode(
            _claims(factory, m), "another-key-entirely-0123456789", algorithm="HS256"
        )
    elif kind == "alg-none":
        token = _none_token(_claims(factory, m))
    elif kind == "hs512":
        token = jwt.encode(_claims(factory, m), key, algorithm="HS512")
    elif kind == "no-aud":
        c = _claims(factory, m)
        del c["aud"]
        token = jwt.encode(c, key, algorithm="HS256")
    elif kind == "wrong-aud":
        token = jwt.encode(_claims(factory, m, aud="someone-else"), key, algorithm="HS256")
    elif kind == "no-exp":
        c = _claims(factory, m)
        del c["exp"]
        token = jwt.encode(c, key, algorithm="HS256")
    else:
        token = factory.tokens(m)["refresh_token"]
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM


def test_access_token_lives_fifteen_minutes(client, factory, clock):
    m = factory.member()
    h = factory.headers(m)
    clock.advance(minutes=14)
    assert client.get("/v1/me", headers=h).status_code == 200
    clock.advance(minutes=2)
    assert client.get("/v1/me", headers=h).status_code == 401


def test_guardian_gets_a_child_token(client, factory):
    parent = factory.member()
    child = factory.child(parent, nickname="Kancil")
    h = factory.headers(parent)
    r = client.post("/v1/auth/child-token", json={"child_id": child.id}, headers=h)
    assert r.status_code == 200
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["id"] == child.id
    assert me.json()["acting_guardian_id"] == parent.id
    assert me.json()["is_child"] is True


def test_child_token_for_someone_elses_child_is_404(client, factory):
    parent, stranger = factory.member(), factory.member()
    child = factory.child(parent)
    r = client.post(
        "/v1/auth/child-token", json={"child_id": child.id}, headers=factory.headers(stranger)
    )
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM


def test_child_token_cannot_create_children_or_other_child_tokens(client, factory):
    parent = factory.member()
    child, sibling = factory.child(parent), factory.child(parent)
    h = factory.child_headers(parent, child)
    r = client.post(
        "/v1/me/children",
        json={"display_name": "X Y", "nickname": "Baru", "birth_year": 2018},
        headers=h,
    )
    assert r.status_code == 403
    r = client.post("/v1/auth/child-token", json={"child_id": sibling.id}, headers=h)
    assert r.status_code == 403
    r = client.patch("/v1/me", json={"guardian_id": 1}, headers=h)
    assert r.status_code == 422
    with factory.session() as s:
        assert s.get(Member, child.id).guardian_id == parent.id


def test_guardian_logout_ends_child_tokens(client, factory):
    parent = factory.member()
    child = factory.child(parent)
    pair = factory.tokens(parent)
    h = {"Authorization": f"Bearer {pair['access_token']}"}
    child_tok = client.post("/v1/auth/child-token", json={"child_id": child.id}, headers=h).json()
    ch = {"Authorization": f"Bearer {child_tok['access_token']}"}
    assert client.get("/v1/me", headers=ch).status_code == 200
    client.post("/v1/auth/logout", headers=h)
    assert client.get("/v1/me", headers=ch).status_code == 401
