"""Open Badges 3.0: an earned badge exported as a signed credential that an independent
JWT library verifies against the key the issuer publishes; a child only by a hash."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import jwt
import pytest

from app.core.db import transaction
from app.services.badges import ensure_demo_badges


@pytest.fixture
def palu(factory):
    lib = factory.library("palu", name="Perpustakaan Kota Palu")
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    return lib


def earn_first_book(client, headers) -> int:
    r = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Laskar Pelangi"}, "pages": 10, "finished": True},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    [badge] = r.json()["badges_earned"]
    return badge["id"]


def verify(client, token: str) -> dict:
    """What any verifier does: read the kid, fetch the issuer's published keys, check the
    EdDSA signature with a JWT library of its own."""
    header = jwt.get_unverified_header(token)
    issuer = header["kid"].split("#")[0]
    path = urlsplit(issuer).path
    profile = client.get(path).json()
    keys = client.get(f"{path}/jwks").json()["keys"]
    [key] = [k for k in keys if k["kid"] == header["kid"]]
    [method] = [m for m in profile["verificationMethod"] if m["type"] == "JsonWebKey"]
    assert method["publicKeyJwk"]["x"] == key["x"]
    return jwt.decode(token, key=jwt.PyJWK(key).key, algorithms=["EdDSA"])


def test_a_member_exports_an_earned_badge_that_verifies_against_the_issuer(
    client, factory, palu, settings
):
    reader = factory.member(palu, email="siti@example.org", display_name="Siti Rahma")
    h = factory.headers(reader)
    badge_id = earn_first_book(client, h)

    r = client.get(f"/v1/me/badges/{badge_id}/credential", headers=h)

    assert r.status_code == 200, r.text
    body = r.json()
    cred = body["credential"]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert cred["issuer"]["id"] == body["issuer"]
    assert body["issuer"] == f"{settings.public_base_url}/v1/libraries/palu/issuer"
    assert cred["credentialSubject"]["achievement"]["name"] == "Buku Pertama"
    assert cred["validFrom"] == "2026-11-17T02:00:00Z"
    [identity] = cred["credentialSubject"]["identifier"]
    assert identity["identityType"] == "emailAddress" and identity["hashed"] is True
    assert "Siti" not in json.dumps(cred) and "siti@" not in json.dumps(cred)

    payload = verify(client, body["jwt"])
    assert (
        payload["jti"] == cred["id"] and payload["credentialSubject"] == cred["credentialSubject"]
    )
    # The same export twice is the same credential (stable id, salt and signature).
    assert client.get(f"/v1/me/badges/{badge_id}/credential", headers=h).json() == body


def test_a_changed_credential_no_longer_verifies(client, factory, palu, settings):
    reader = factory.member(palu)
    h = factory.headers(reader)
    badge_id = earn_first_book(client, h)
    token = client.get(f"/v1/me/badges/{badge_id}/credential", headers=h).json()["jwt"]
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["achievement"]["name"] = "Kutu Buku Sejati"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, f"{head}.{forged}.{sig}")
    # Another library's key does not verify this library's credential either.
    other = factory.library("semarang")
    keys = client.get(f"/v1/libraries/{other.slug}/issuer/jwks").json()["keys"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, key=jwt.PyJWK(keys[0]).key, algorithms=["EdDSA"])


def test_a_childs_badge_is_exported_by_the_guardian_and_names_no_one(
    client, factory, palu, settings
):
    parent = factory.member(palu)
    child = factory.child(parent, nickname="Kancil")
    child_token = client.post(
        "/v1/auth/child-token", json={"child_id": child.id}, headers=factory.headers(parent)
    ).json()["access_token"]
    badge_id = earn_first_book(client, {"Authorization": f"Bearer {child_token}"})
    stranger = factory.member(palu)

    r = client.get(
        f"/v1/me/children/{child.id}/badges/{badge_id}/credential",
        headers=factory.headers(parent),
    )

    assert r.status_code == 200, r.text
    text = json.dumps(r.json()["credential"])
    for personal in (child.display_name, "Kancil", "SD Negeri", str(child.birth_year)):
        assert personal not in text
    [identity] = r.json()["credential"]["credentialSubject"]["identifier"]
    assert identity["identityType"] == "identifier"
    assert identity["identityHash"].startswith("sha256$")
    verify(client, r.json()["jwt"])
    assert (
        client.get(
            f"/v1/me/children/{child.id}/badges/{badge_id}/credential",
            headers=factory.headers(stranger),
        ).status_code
        == 404
    )


def test_only_earned_badges_are_exported(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    r = client.get("/v1/me/badges/1/credential", headers=h)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/me/badges/1/credential").status_code == 401
    assert client.get("/v1/libraries/nowhere/issuer").status_code == 404


def test_the_achievement_and_profile_are_public(client, factory, palu):
    badge_id = earn_first_book(client, factory.headers(factory.member(palu)))
    ach = client.get(f"/v1/libraries/palu/achievements/{badge_id}").json()
    assert ach["type"] == ["Achievement"] and "1 books finished" in ach["criteria"]["narrative"]
    profile = client.get("/v1/libraries/palu/issuer").json()
    assert profile["name"] == "Perpustakaan Kota Palu"
    [multikey] = [m for m in profile["verificationMethod"] if m["type"] == "Multikey"]
    assert multikey["publicKeyMultibase"].startswith("z6Mk")
