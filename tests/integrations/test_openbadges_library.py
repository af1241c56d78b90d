"""Open Badges 3.0 credentials checked by an Open Badges library that is not ours
(openbadgeslib's `OB3Verifier`), as a verifier elsewhere would: the token's `kid` is
dereferenced in the issuer profile our app publishes, and the library checks the EdDSA
signature, the claims that must repeat the credential (`iss`, `jti`, `nbf`), the validity
window and that the credential's issuer is the one whose key it used. A changed credential
fails; a child's credential names no one and its hash matches the child's identifier."""

from __future__ import annotations

import base64
import copy
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from jsonschema import Draft201909Validator
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from openbadgeslib.ob3.credential import IdentityObject, OpenBadgeCredential
from openbadgeslib.ob3.did import pem_for_kid

from app.core.security import create_access_token
from app.integrations.openbadges import credentials as ob
from tests.integrations.test_openbadges import earn_first_book, palu

__all__ = ["palu"]  # the fixture, shared with the export tests


def fetch(client, settings, url: str) -> dict[str, Any]:
    """GET a URL a credential names, answered by our app alone (as DNS would route it)."""
    assert url.startswith(f"{settings.public_base_url}/"), url
    r = client.get(url.removeprefix(settings.public_base_url))
    assert r.status_code == 200, r.text
    return r.json()


def library_verify(client, settings, token: str, kid: str | None = None) -> OpenBadgeCredential:
    """OB 3.0 "Verify a Credential": read the `kid`, fetch the issuer profile it names and
    dereference the kid there to the public key (the library picks the method and refuses a
    kid of another issuer), then let the library verify, anchored to that issuer."""
    kid = kid or jwt.get_unverified_header(token)["kid"]
    issuer = kid.split("#")[0]
    profile = fetch(client, settings, issuer)
    assert profile["id"] == issuer
    return OB3Verifier(pem_for_kid(profile, issuer, kid), issuer_did=issuer).verify(token)


def export(client, headers, badge_id: int, path: str | None = None) -> dict[str, Any]:
    r = client.get(path or f"/v1/me/badges/{badge_id}/credential", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def decoded(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, payload, _ = token.split(".")
    return tuple(json.loads(base64.urlsafe_b64decode(p + "==")) for p in (head, payload))  # type: ignore[return-value]


def with_payload(token: str, payload: dict[str, Any]) -> str:
    head, _, sig = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


@pytest.fixture
def siti(client, factory, palu):
    reader = factory.member(palu, email="Siti@Example.org", display_name="Siti Rahma")
    h = factory.headers(reader)
    return h, earn_first_book(client, h)


def test_the_library_verifies_an_exported_credential_against_the_published_key(
    client, settings, siti
):
    h, badge_id = siti
    body = export(client, h, badge_id)

    result = library_verify(client, settings, body["jwt"])

    cred = body["credential"]
    assert result.id == cred["id"] and result.issuer.id == body["issuer"]
    assert result.issuer.name == "Perpustakaan Kota Palu"
    assert (
        result.achievement.name == "Buku Pertama" and result.achievement.achievement_type == "Badge"
    )
    assert result.achievement.criteria_narrative == "Earned for 1 books finished."
    assert result.issuance_date == datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    assert result.expiration_date is None
    # The hash is the library's own salted SHA-256 of the (normalised) email.
    [identity] = result.identifiers
    assert identity == IdentityObject.create("siti@example.org", salt=identity.salt)
    assert identity != IdentityObject.create("budi@example.org", salt=identity.salt)
    # The JOSE header holds what OB 3.0 allows, and nothing else.
    header, _ = decoded(body["jwt"])
    assert header == {"alg": "EdDSA", "kid": f"{body['issuer']}#key-1", "typ": "JWT"}
    # ... and its kid dereferences to a public JWK (OB 3.0 section 8.4), never a private one.
    profile = fetch(client, settings, body["issuer"])
    [method] = [m for m in profile["verificationMethod"] if m["id"] == header["kid"]]
    assert method["type"] == "JsonWebKey" and method["publicKeyJwk"]["kty"] == "OKP"
    assert "d" not in method["publicKeyJwk"]


def test_each_published_form_of_the_key_verifies(client, settings, siti):
    """The Multikey entry (the library decodes our base58btc) and the JWK set carry the
    same key as the JsonWebKey the kid names."""
    h, badge_id = siti
    body = export(client, h, badge_id)
    issuer = body["issuer"]

    library_verify(client, settings, body["jwt"], kid=f"{issuer}#key-1-multikey")
    [jwk] = fetch(client, settings, f"{issuer}/jwks")["keys"]
    OB3Verifier(jwt.PyJWK(jwk).key, issuer_did=issuer).verify(body["jwt"])


def _rename_achievement(c: dict[str, Any]) -> None:
    c["credentialSubject"]["achievement"]["name"] = "Kutu Buku Sejati"


def _rename_badge(c: dict[str, Any]) -> None:
    c["name"] = "Kutu Buku Sejati"


def _backdate(c: dict[str, Any]) -> None:
    c["validFrom"], c["nbf"] = "2025-01-01T00:00:00Z", 1735689600


def _other_reader(c: dict[str, Any]) -> None:
    c["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "0" * 64


def _other_criteria(c: dict[str, Any]) -> None:
    c["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Earned for nothing."


@pytest.mark.parametrize(
    "change", [_rename_achievement, _rename_badge, _backdate, _other_reader, _other_criteria]
)
def test_a_changed_credential_fails_the_library(client, settings, siti, change):
    h, badge_id = siti
    token = export(client, h, badge_id)["jwt"]
    _, payload = decoded(token)
    forged = copy.deepcopy(payload)
    change(forged)

    with pytest.raises(OB3VerificationError, match="Invalid signature"):
        library_verify(client, settings, with_payload(token, forged))
    # The untouched token still verifies: it is the change that fails.
    library_verify(client, settings, token)


def test_a_token_cannot_choose_its_own_algorithm(client, settings, siti):
    h, badge_id = siti
    token = export(client, h, badge_id)["jwt"]
    header, _ = decoded(token)
    for alg in ("none", "HS256"):
        forged_head = base64.urlsafe_b64encode(json.dumps({**header, "alg": alg}).encode())
        _, body, sig = token.split(".")
        forged = f"{forged_head.rstrip(b'=').decode()}.{body}.{sig}"
        with pytest.raises(OB3VerificationError, match="not allowed"):
            library_verify(client, settings, forged)


def test_another_issuers_key_or_profile_does_not_verify(client, factory, settings, siti):
    h, badge_id = siti
    token = export(client, h, badge_id)["jwt"]
    other = factory.library("semarang")
    other_issuer = f"{settings.public_base_url}/v1/libraries/{other.slug}/issuer"
    other_profile = fetch(client, settings, other_issuer)

    with pytest.raises(OB3VerificationError, match="Invalid signature"):
        OB3Verifier(pem_for_kid(other_profile, other_issuer, f"{other_issuer}#key-1")).verify(token)
    # Anchored to the other issuer, even the right key is refused: the credential says palu.
    palu_issuer = jwt.get_unverified_header(token)["kid"].split("#")[0]
    palu_pem = pem_for_kid(fetch(client, settings, palu_issuer), palu_issuer)
    with pytest.raises(OB3VerificationError, match="does not match the DID"):
        OB3Verifier(palu_pem, issuer_did=other_issuer).verify(token)
    # A kid that names another issuer's key is refused when dereferenced in palu's profile.
    with pytest.raises(OB3VerificationError, match="different DID"):
        pem_for_kid(fetch(client, settings, palu_issuer), palu_issuer, f"{other_issuer}#key-1")


def test_the_library_holds_a_credential_to_its_validity_window(client, settings, palu, siti):
    """Signed by the library's real key, so only the dates can make these fail."""
    h, badge_id = siti
    cred = export(client, h, badge_id)["credential"]
    now = datetime.now(UTC).replace(microsecond=0)

    def stamp(instant: datetime) -> str:
        return instant.isoformat().replace("+00:00", "Z")

    future = {**cred, "validFrom": stamp(now + timedelta(days=30))}
    with pytest.raises(OB3VerificationError, match="not yet valid"):
        library_verify(client, settings, ob.signed(settings, palu, future))

    expired = {**cred, "validUntil": stamp(now - timedelta(days=1))}
    with pytest.raises(OB3VerificationError, match="expired"):
        library_verify(client, settings, ob.signed(settings, palu, expired))

    until = now + timedelta(days=365)
    current = library_verify(
        client, settings, ob.signed(settings, palu, {**cred, "validUntil": stamp(until)})
    )
    assert current.expiration_date == until
    _, payload = decoded(ob.signed(settings, palu, {**cred, "validUntil": stamp(until)}))
    assert payload["exp"] == int(until.timestamp())


def test_a_childs_credential_is_verified_and_names_no_one(client, factory, settings, palu):
    parent = factory.member(palu, email="ibu.ratna@example.org", display_name="Ratna Dewi")
    child = factory.child(parent, nickname="Kancil")
    badge_id = earn_first_book(client, factory.child_headers(parent, child))
    path = f"/v1/me/children/{child.id}/badges/{badge_id}/credential"

    body = export(client, factory.headers(parent), badge_id, path)

    result = library_verify(client, settings, body["jwt"])
    assert result.achievement.name == "Buku Pertama" and result.recipient_id is None
    [identity] = result.identifiers
    assert identity.hashed is True and identity.identity_type == "identifier"
    # The library's salted hash of the child's identifier is the one in the credential.
    ours = f"bacaquest:palu:member:{child.id}"
    assert identity == IdentityObject.create(ours, salt=identity.salt, identity_type="identifier")
    sibling = factory.child(parent)
    assert (
        identity.identity_hash
        != IdentityObject.create(
            f"bacaquest:palu:member:{sibling.id}", salt=identity.salt
        ).identity_hash
    )
    # No name, nickname, school, birth year, nor the guardian, anywhere in what leaves.
    header, payload = decoded(body["jwt"])
    everything = json.dumps([body, header, payload], ensure_ascii=False).lower()
    for personal in (
        child.display_name,
        "Kancil",
        child.school,
        str(child.birth_year),
        "Ratna",
        "ibu.ratna",
    ):
        assert str(personal).lower() not in everything, personal


def test_only_the_guardian_exports_a_childs_badge(client, factory, settings, palu):
    parent = factory.member(palu)
    child = factory.child(parent)
    badge_id = earn_first_book(client, factory.child_headers(parent, child))
    path = f"/v1/me/children/{child.id}/badges/{badge_id}/credential"

    assert client.get(path, headers=factory.headers(parent)).status_code == 200
    # Another adult, even a guardian of their own child, gets nothing.
    other_parent = factory.member(palu)
    factory.child(other_parent)
    assert client.get(path, headers=factory.headers(other_parent)).status_code == 404
    # A child's own session, with no guardian acting, cannot export.
    pair = factory.tokens(parent)
    sid = jwt.decode(pair["access_token"], options={"verify_signature": False})["sid"]
    alone = create_access_token(
        settings, factory.clock.now(), member_id=child.id or 0, session_id=sid
    )
    r = client.get(
        f"/v1/me/badges/{badge_id}/credential", headers={"Authorization": f"Bearer {alone}"}
    )
    assert r.status_code in (401, 403), r.text
    assert r.headers["content-type"] == "application/problem+json"


# 1EdTech publishes the schema at a purl.imsglobal.org address that this suite cannot
# reach, and no package ships it: point this variable at a downloaded copy of
# ob_v3p0_achievementcredential_schema.json to check our credentials against it.
SCHEMA = os.environ.get("OB3_ACHIEVEMENTCREDENTIAL_SCHEMA", "")


@pytest.mark.skipif(not SCHEMA, reason="OB3_ACHIEVEMENTCREDENTIAL_SCHEMA names no schema file")
def test_credentials_meet_the_published_achievementcredential_schema(
    client, factory, settings, palu, siti
):
    schema = json.loads(Path(SCHEMA).read_text())
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    h, badge_id = siti
    parent = factory.member(palu)
    child = factory.child(parent)
    child_badge = earn_first_book(client, factory.child_headers(parent, child))
    child_path = f"/v1/me/children/{child.id}/badges/{child_badge}/credential"
    for body in (
        export(client, h, badge_id),
        export(client, factory.headers(parent), child_badge, child_path),
    ):
        for document in (body["credential"], decoded(body["jwt"])[1]):
            errors = [
                f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)
            ]
            assert errors == []
