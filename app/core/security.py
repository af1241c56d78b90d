"""Password hashing (argon2 only) and signed access tokens (HS256 only)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from passlib.context import CryptContext

from app.core.config import Settings

ALGORITHM = "HS256"
_pwd = CryptContext(schemes=["argon2"], deprecated="auto")

# Verifying against a dummy hash when the account does not exist keeps the
# response time the same, so timing does not reveal which emails are members.
_DUMMY_HASH = _pwd.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    return _pwd.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _pwd.verify(password, _DUMMY_HASH)
        return False
    try:
        return _pwd.verify(password, hashed)
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True, slots=True)
class AccessClaims:
    member_id: int
    session_id: str
    actor_id: int | None  # the guardian acting as a child, when there is one


def create_access_token(
    settings: Settings,
    now: datetime,
    *,
    member_id: int,
    session_id: str,
    actor_id: int | None = None,
) -> str:
    claims: dict[str, Any] = {
        "sub": str(member_id),
        "sid": session_id,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_token_minutes)).timestamp()),
        "typ": "access",
    }
    if actor_id is not None:
        claims["act"] = {"sub": str(actor_id)}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


# Tokens verified once, with their expiry: a phone sends the same access token with
# every request for its lifetime, and checking the signature and claims again each time
# costs more than the rest of authentication. Only valid tokens are kept; expiry is
# still checked on every use, revocation by the caller against the session row.
_verified: dict[tuple[str, str, str, str], tuple[AccessClaims, int]] = {}
_VERIFIED_MAX = 10_000


def decode_access_token(settings: Settings, token: str, now: datetime) -> AccessClaims | None:
    """The token's claims, or None when it is not one of ours and valid now."""
    key = (token, settings.secret_key, settings.jwt_audience, settings.jwt_issuer)
    known = _verified.get(key)
    if known is None:
        known = _verify(settings, token)
        if known is None:
            return None
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = known
    claims, exp = known
    return claims if exp > now.timestamp() else None


def _verify(settings: Settings, token: str) -> tuple[AccessClaims, int] | None:
    """Signature and claims (all but expiry, which depends on when)."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            return None
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={
                # exp is required too, but checked against the application's clock:
                # jose's own check would read the wall clock.
                "require_sub": True,
                "require_iss": True,
                "require_aud": True,
                "require_iat": True,
                "verify_exp": False,
            },
        )
    except JWTError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        return None
    sub, sid, act = claims.get("sub"), claims.get("sid"), claims.get("act")
    if claims.get("typ") != "access" or not isinstance(sid, str):
        return None
    if not isinstance(sub, str) or not sub.isdigit() or len(sub) > 18:
        return None
    actor_id: int | None = None
    if act is not None:
        act_sub = act.get("sub") if isinstance(act, dict) else None
        if not isinstance(act_sub, str) or not act_sub.isdigit() or len(act_sub) > 18:
            return None
        actor_id = int(act_sub)
    return AccessClaims(member_id=int(sub), session_id=sid, actor_id=actor_id), exp


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """Refresh tokens and idempotency fingerprints are stored only as digests."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    return secrets.token_urlsafe(16)
