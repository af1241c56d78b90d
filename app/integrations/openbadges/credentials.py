"""The Open Badges 3.0 documents: a library's issuer profile, a badge's achievement, and
an award's `OpenBadgeCredential` with its signed (compact JWS) form. A member is named in a
credential only by a salted hash (OB 3.0 `IdentityObject`): of their email, or for a
child (and anyone without an email) of an identifier of their profile, never a name."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any

from app.core.config import Settings
from app.integrations.openbadges.keys import library_key, multikey, public_jwk, sign_jws
from app.models.badge import Badge, BadgeAward
from app.models.library import Library
from app.models.member import Member

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
METRIC_TEXT = {
    "books_finished": "books finished",
    "pages": "pages read",
    "minutes": "minutes read",
    "streak_days": "days in a row with reading",
    "genres": "different genres read",
    "logs": "reading logs",
    "challenges_completed": "challenges completed",
    "shares": "achievements shared",
}


def issuer_url(settings: Settings, lib: Library) -> str:
    return f"{settings.public_base_url}/v1/libraries/{lib.slug}/issuer"


def key_id(settings: Settings, lib: Library) -> str:
    return f"{issuer_url(settings, lib)}#key-1"


def issuer_profile(settings: Settings, lib: Library) -> dict[str, Any]:
    """The issuer's Profile, with the public key a verifier checks credentials against."""
    issuer = issuer_url(settings, lib)
    key = library_key(settings.secret_key, lib.id or 0)
    return {
        "@context": CONTEXT,
        "id": issuer,
        "type": ["Profile"],
        "name": lib.name,
        "url": f"{settings.public_base_url}/v1/libraries/{lib.slug}",
        "description": f"{lib.name}, {lib.city}",
        # The credential's `kid` names the JsonWebKey entry: OB 3.0 dereferences a kid
        # to a JWK. The same key as a Multikey is there for Data Integrity verifiers.
        "verificationMethod": [
            {
                "id": key_id(settings, lib),
                "type": "JsonWebKey",
                "controller": issuer,
                "publicKeyJwk": public_jwk(key, key_id(settings, lib)),
            },
            {
                "id": f"{issuer}#key-1-multikey",
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": multikey(key),
            },
        ],
    }


def jwks(settings: Settings, lib: Library) -> dict[str, Any]:
    key = library_key(settings.secret_key, lib.id or 0)
    return {"keys": [public_jwk(key, key_id(settings, lib))]}


def achievement(settings: Settings, lib: Library, badge: Badge) -> dict[str, Any]:
    parts = []
    for c in badge.criteria:
        period = "" if c.get("period", "all_time") == "all_time" else f" in one {c['period']}"
        parts.append(f"{c['target']} {METRIC_TEXT.get(c['metric'], c['metric'])}{period}")
    narrative = "Earned for " + " and ".join(parts) + "." if parts else "Earned by reading."
    return {
        "id": f"{settings.public_base_url}/v1/libraries/{lib.slug}/achievements/{badge.id}",
        "type": ["Achievement"],
        "name": badge.name,
        "description": badge.description or badge.name,
        "criteria": {"narrative": narrative},
        "achievementType": "Badge",
        "creator": {"id": issuer_url(settings, lib), "type": ["Profile"], "name": lib.name},
    }


def _subject_hash(
    settings: Settings, member: Member, lib: Library, award_id: int
) -> dict[str, Any]:
    # A salt per award, stable (the same export twice is the same credential) and known
    # only to the server: no one can test an email or id against the hash without it.
    salt = hmac.new(settings.secret_key.encode(), f"ob-salt:{award_id}".encode(), "sha256")
    salt_hex = salt.hexdigest()[:32]
    if member.email and not member.is_child:
        identity, kind = member.email.lower(), "emailAddress"
    else:
        identity, kind = f"bacaquest:{lib.slug}:member:{member.id}", "identifier"
    digest = hashlib.sha256((identity + salt_hex).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": kind,
        "hashed": True,
        "salt": salt_hex,
    }


def credential(
    settings: Settings, lib: Library, badge: Badge, award: BadgeAward, member: Member
) -> dict[str, Any]:
    issuer = issuer_url(settings, lib)
    cred_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}/awards/{award.id}")
    valid_from = award.awarded_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{cred_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": lib.name},
        "validFrom": valid_from,
        "name": badge.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_subject_hash(settings, member, lib, award.id or 0)],
            "achievement": achievement(settings, lib, badge),
        },
    }


def _numeric_date(instant: str) -> int:
    return int(datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp())


def signed(settings: Settings, lib: Library, cred: dict[str, Any]) -> str:
    """The credential secured as a compact JWS, as OB 3.0 section 8.2 has it: the payload
    is the credential, with `iss`, `jti`, `nbf` (and `exp` when it has a `validUntil`)
    repeating its issuer, id and dates; the JOSE header holds only `alg`, `kid` and
    `typ: JWT` (the spec allows no other header)."""
    payload = {
        **cred,
        "iss": cred["issuer"]["id"],
        "jti": cred["id"],
        "nbf": _numeric_date(cred["validFrom"]),
    }
    if "validUntil" in cred:
        payload["exp"] = _numeric_date(cred["validUntil"])
    header = {"typ": "JWT", "kid": key_id(settings, lib)}
    return sign_jws(library_key(settings.secret_key, lib.id or 0), header, payload)
