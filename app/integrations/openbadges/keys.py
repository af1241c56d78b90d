"""A library's badge-signing key: Ed25519, derived from the server secret and the
library's id (HKDF), so no private key is stored anywhere; its public half as a JWK and as
a Multikey. Changing SECRET_KEY changes every library's key: credentials signed before
then no longer verify against the published key."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_SALT = b"bacaquest/openbadges/ed25519/v1"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# The multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
_ED25519_PUB = b"\xed\x01"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


@lru_cache(maxsize=256)
def library_key(secret: str, library_id: int) -> Ed25519PrivateKey:
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_SALT, info=f"library:{library_id}".encode()
    ).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(public_bytes(key)),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


def multikey(key: Ed25519PrivateKey) -> str:
    """The public key as a Multikey's `publicKeyMultibase` (base58btc, `z6Mk...`)."""
    return "z" + _base58btc(_ED25519_PUB + public_bytes(key))


def sign_jws(key: Ed25519PrivateKey, header: dict[str, Any], payload: dict[str, Any]) -> str:
    """A compact JWS (EdDSA) of the payload."""

    def part(value: dict[str, Any]) -> str:
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        return b64url(text.encode())

    signing_input = f"{part({**header, 'alg': 'EdDSA'})}.{part(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"
