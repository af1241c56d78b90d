"""Settings that must refuse to start, and tokens whose issuer is not ours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jose import jwt
from pydantic import ValidationError

from app.core.config import Settings

# A random-looking 32 characters: production refuses low-entropy secrets too.
STRONG = "Zq8vK2mWx7Rt4Nb9Lp3Hs6Dj1Fg5Yc0A"
PUBLIC = "https://bacaquest.perpustakaan.example"


def test_production_refuses_a_secret_shorter_than_32_characters():
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment="production", secret_key="k" * 31, public_base_url=PUBLIC)
    strong = Settings(environment="production", secret_key=STRONG, public_base_url=PUBLIC)
    assert strong.secret_key == STRONG


def test_development_may_use_a_short_secret():
    assert Settings(environment="development", secret_key="short").secret_key == "short"


@pytest.mark.parametrize(("pool", "in_flight"), [(8, 9), (32, 21), (2, 6)])
def test_in_flight_requests_beyond_what_the_pool_can_hold_are_refused(pool, in_flight):
    with pytest.raises(ValidationError, match=r"MAX_IN_FLIGHT may be at most"):
        Settings(db_pool_size=pool, max_in_flight=in_flight)


@pytest.mark.parametrize(("pool", "in_flight"), [(8, 8), (32, 20), (2, 5)])
def test_in_flight_at_the_pool_limit_is_allowed(pool, in_flight):
    # (DB_POOL_SIZE + 8) / 2 exactly: the rule's edge is allowed.
    assert Settings(db_pool_size=pool, max_in_flight=in_flight).max_in_flight == in_flight


def _token(factory, member, **over):
    now = factory.clock.now()
    pair = factory.tokens(member)
    claims = {
        "sub": str(member.id),
        "sid": jwt.get_unverified_claims(pair["access_token"])["sid"],
        "iss": factory.settings.jwt_issuer,
        "aud": factory.settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "typ": "access",
    }
    claims.update(over)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, factory.settings.secret_key, algorithm="HS256")


@pytest.mark.parametrize("iss", ["someone-else", None])
def test_a_token_from_another_issuer_is_refused(client, factory, iss):
    member = factory.member()
    good = _token(factory, member)
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    bad = _token(factory, member, iss=iss)
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
