"""One-time reset codes staff issue at the desk, and redeeming them.

Indonesian libraries already know their members by the library card: a member who
forgot their password shows it at the desk, and staff of that library issue a code
that works once, for a short while. Each code records who issued it; issuing a new one
ends the member's earlier codes; only a digest (keyed with the signing secret) is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session

from app.core.config import Settings
from app.core.problems import Problem, conflict, forbidden, not_found
from app.models.account import PasswordReset, ResetCodeIssued
from app.models.library import Library
from app.models.member import Member

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at a desk
CODE_LENGTH = 10
MAX_PER_HOUR = 3


def _normalise(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def code_digest(settings: Settings, code: str) -> str:
    key = settings.secret_key.encode()
    return hmac.new(key, _normalise(code).encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def issue(
    session: Session,
    settings: Settings,
    staff: Member,
    lib: Library,
    member_id: int,
    now: datetime,
) -> ResetCodeIssued:
    member = session.get(Member, member_id)
    if member is None or member.library_id != lib.id or member.deleted_at is not None:
        raise not_found("Member")
    if member.is_child or member.email is None:
        raise conflict("A child profile has no password; its guardian signs in.", "not-eligible")
    if member.role != "member" and staff.role != "admin":
        raise forbidden("Only an administrator may reset a staff account's password.")
    if member.id == staff.id:
        raise conflict("Change your own password while signed in.", "not-eligible")
    # At most MAX_PER_HOUR codes for one member: counted from the codes themselves.
    recent = session.execute(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.member_id == member.id,
            PasswordReset.created_at > now - timedelta(hours=1),
        )
    ).scalar_one()
    if recent >= MAX_PER_HOUR:
        raise Problem(
            429,
            "too-many-requests",
            f"At most {MAX_PER_HOUR} reset codes an hour for one member.",
            headers={"Retry-After": "3600"},
        )
    # A new code ends the member's earlier ones.
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.member_id == member.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(expires_at=now)
    )
    code = _new_code()
    expires = now + timedelta(minutes=settings.reset_code_minutes)
    session.add(
        PasswordReset(
            member_id=member.id or 0,
            issued_by=staff.id or 0,
            code_hash=code_digest(settings, code),
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return ResetCodeIssued(
        member_id=member.id or 0, code=code, expires_at=expires, issued_by=staff.id or 0
    )


def invalid_code() -> Problem:
    return Problem(400, "invalid-reset-code", "The code is not valid, was used, or has expired.")


def find_redeemable(
    session: Session, settings: Settings, email: str, code: str, now: datetime
) -> tuple[int, int, str, str]:
    """(reset id, member id, email, display name) of a live code for this email."""
    row = session.execute(
        select(
            PasswordReset.id, PasswordReset.code_hash, Member.id, Member.email, Member.display_name
        )
        .join(Member, Member.id == PasswordReset.member_id)
        .where(
            Member.email == email.strip().lower(),
            Member.deleted_at.is_(None),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .order_by(PasswordReset.id.desc())
        .limit(1)
    ).first()
    if row is None or not hmac.compare_digest(row[1], code_digest(settings, code)):
        raise invalid_code()
    return row[0], row[2], row[3], row[4]


def redeem(session: Session, reset_id: int, now: datetime) -> None:
    """Spend the code: of two concurrent uses only one succeeds."""
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        raise invalid_code()
