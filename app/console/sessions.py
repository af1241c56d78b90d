"""Console sign-in: a cookie session for staff and administrators, tied to an auth session.

The cookie carries a random secret; the database keeps only its digest, with the
auth session it belongs to and the form token (CSRF) of that sign-in. A console
request is let in only while the auth session is open, the row has not expired and
the account is still staff or admin: whatever ends the sign-in elsewhere ends it here.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.core.problems import Problem
from app.core.security import digest, new_id
from app.models.auth import AuthSession
from app.models.console import ConsoleSession
from app.models.library import Library
from app.models.member import Member
from app.services import auth

CONSOLE_HOURS = 12
STAFF_ROLES = frozenset({"staff", "admin"})


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who is using the console, on which library, with the form token of the sign-in."""

    member: Member
    row: ConsoleSession
    library: Library | None

    @property
    def csrf_token(self) -> str:
        return self.row.csrf_token

    @property
    def is_admin(self) -> bool:
        return self.member.role == "admin"


def sign_in(session: Session, email: str, password: str, now: datetime) -> tuple[str, Member]:
    """Check the account (the API's own check) and open a console sign-in.

    Returns the cookie's secret. Members and children are refused after the password
    check, with the same answer whatever the email, so the console reveals no more
    about accounts than the API's sign-in does.
    """
    member = auth.authenticate(session, email, password)
    if member.role not in STAFF_ROLES or member.is_child:
        raise Problem(
            403, "console-staff-only", "The console is for library staff and administrators."
        )
    # Forget this account's console sign-ins that have run out.
    session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.member_id == member.id, ConsoleSession.expires_at <= now
        )
    )
    auth_row = AuthSession(id=new_id(), member_id=member.id or 0, created_at=now)
    session.add(auth_row)
    session.flush()
    secret = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            id=digest(secret),
            auth_session_id=auth_row.id,
            member_id=member.id or 0,
            csrf_token=secrets.token_urlsafe(32),
            library_id=member.library_id,
            created_at=now,
            expires_at=now + timedelta(hours=CONSOLE_HOURS),
        )
    )
    session.flush()
    return secret, member


def load(session: Session, secret: str | None, now: datetime) -> SignedIn | None:
    """The open console sign-in this cookie secret belongs to, or None."""
    if not secret or len(secret) > 128:
        return None
    row = session.execute(
        select(ConsoleSession, AuthSession.revoked_at, Member)
        .join(AuthSession, AuthSession.id == ConsoleSession.auth_session_id)
        .join(Member, Member.id == ConsoleSession.member_id)
        .where(ConsoleSession.id == digest(secret))
    ).first()
    if row is None:
        return None
    console, revoked_at, member = row
    if revoked_at is not None or console.expires_at <= now:
        return None
    if member.role not in STAFF_ROLES or member.is_child:
        return None
    lib_id = console.library_id if member.role == "admin" else member.library_id
    lib = session.get(Library, lib_id) if lib_id is not None else None
    return SignedIn(member=member, row=console, library=lib)


def token_matches(signed_in: SignedIn, sent: str | None) -> bool:
    """The form token sent with a change is this sign-in's (constant-time compare)."""
    return bool(sent) and hmac.compare_digest(signed_in.csrf_token, sent or "")


def sign_out(session: Session, signed_in: SignedIn, now: datetime) -> None:
    """End this sign-in (its auth session too, as the API's logout does)."""
    auth.logout(session, signed_in.row.auth_session_id, now)
    session.execute(delete(ConsoleSession).where(ConsoleSession.id == signed_in.row.id))


def sign_out_everywhere(session: Session, member_id: int, now: datetime) -> int:
    """End every sign-in of this account: the app's and the console's."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.member_id == member_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(delete(ConsoleSession).where(ConsoleSession.member_id == member_id))
    return int(result.rowcount or 0)


def choose_library(session: Session, signed_in: SignedIn, lib: Library) -> None:
    """An administrator switches the library the console works on."""
    if not signed_in.is_admin:
        raise Problem(403, "forbidden", "Only an administrator may switch libraries.")
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.id == signed_in.row.id)
        .values(library_id=lib.id)
    )
