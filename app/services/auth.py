"""Accounts and sign-in: registration, tokens, rotation with reuse detection."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.analytics import counters, traffic
from app.core.clock import local_date
from app.core.config import Settings
from app.core.problems import Problem, conflict, unauthorized, unprocessable
from app.core.security import (
    create_access_token,
    digest,
    hash_password,
    new_id,
    new_refresh_secret,
    verify_password,
)
from app.models.auth import AuthSession, RefreshToken, TokenResponse
from app.models.library import Library
from app.models.member import MIN_SELF_REGISTER_AGE, Member, RegisterRequest, nickname_key
from app.services.members import child_of, nickname_taken


def _email_key(email: str) -> str:
    return email.strip().lower()


def register(session: Session, data: RegisterRequest, now: datetime) -> Member:
    lib = session.execute(select(Library).where(Library.slug == data.library)).scalar_one_or_none()
    if lib is None:
        raise unprocessable(f"There is no library {data.library!r}.", field="library")
    year = local_date(now, lib.timezone).year
    if data.birth_year > year:
        raise unprocessable("The birth year is in the future.", field="birth_year")
    if year - data.birth_year < MIN_SELF_REGISTER_AGE:
        raise unprocessable(
            f"Readers under {MIN_SELF_REGISTER_AGE} join through a guardian's account.",
            field="birth_year",
        )
    email = _email_key(data.email)
    exists = session.execute(select(Member.id).where(Member.email == email)).first()
    if exists:
        raise conflict("An account with this email already exists.", "email-taken")
    if data.nickname and nickname_taken(session, lib.id or 0, data.nickname):
        raise conflict("That nickname is already taken in this library.", "already-taken")
    member = Member(
        library_id=lib.id,
        email=email,
        password_hash=hash_password(data.password),
        role="member",
        display_name=data.display_name,
        nickname=data.nickname,
        nickname_key=nickname_key(data.nickname),
        birth_year=data.birth_year,
        school=data.school,
        language=data.language,
        created_at=now,
    )
    session.add(member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Two registrations raced on the same email or nickname.
        raise conflict("An account with this email already exists.", "email-taken") from None
    counters.member_joined(session, member, lib.timezone)
    if data.referral:
        traffic.record_join(session, data.referral, lib.id or 0, now, lib.timezone)
    return member


def authenticate(session: Session, email: str, password: str) -> Member:
    member = session.execute(
        select(Member).where(Member.email == _email_key(email))
    ).scalar_one_or_none()
    if member is None or not verify_password(password, member.password_hash):
        raise Problem(
            401,
            "invalid-credentials",
            "The email or password is not correct.",
            title="Sign-in failed",
        )
    return member


def _issue_refresh(session: Session, settings: Settings, session_id: str, now: datetime) -> str:
    token_id, secret = new_id(), new_refresh_secret()
    session.add(
        RefreshToken(
            id=token_id,
            session_id=session_id,
            token_hash=digest(secret),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return f"{token_id}.{secret}"


def start_session(
    session: Session, settings: Settings, member: Member, now: datetime
) -> TokenResponse:
    auth = AuthSession(id=new_id(), member_id=member.id or 0, created_at=now)
    session.add(auth)
    session.flush()
    refresh = _issue_refresh(session, settings, auth.id, now)
    return TokenResponse(
        access_token=create_access_token(
            settings, now, member_id=member.id or 0, session_id=auth.id
        ),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=refresh,
    )


def _find_refresh(session: Session, raw: str) -> RefreshToken | None:
    token_id, _, secret = raw.partition(".")
    if not token_id or not secret or len(token_id) > 32:
        return None
    row = session.get(RefreshToken, token_id)
    if row is None or row.token_hash != digest(secret):
        return None
    return row


def _revoke_family(session: Session, session_id: str, now: datetime) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def refresh(session: Session, settings: Settings, raw: str, now: datetime) -> TokenResponse:
    token = _find_refresh(session, raw)
    if token is None:
        raise unauthorized("The refresh token is not valid.")
    auth = session.get(AuthSession, token.session_id)
    if auth is None or auth.revoked_at is not None:
        raise unauthorized("This sign-in has ended; please sign in again.")
    if token.expires_at <= now:
        raise unauthorized("The refresh token has expired; please sign in again.")
    # Spend the token atomically: of two concurrent uses only one wins, and the
    # loser is treated as a reuse.
    spent = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        _revoke_family(session, auth.id, now)
        raise Problem(
            401,
            "refresh-reused",
            "This refresh token was already used; every sign-in of this family is ended.",
            headers={"WWW-Authenticate": 'Bearer realm="bacaquest"'},
            keep_changes=True,
        )
    new_refresh = _issue_refresh(session, settings, auth.id, now)
    return TokenResponse(
        access_token=create_access_token(
            settings, now, member_id=auth.member_id, session_id=auth.id
        ),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=new_refresh,
    )


def logout(session: Session, session_id: str, now: datetime) -> None:
    _revoke_family(session, session_id, now)


def child_token(
    session: Session,
    settings: Settings,
    guardian: Member,
    session_id: str,
    child_id: int,
    now: datetime,
) -> TokenResponse:
    if guardian.is_child:
        raise Problem(403, "forbidden", "A child profile cannot act for another child.")
    child = child_of(session, guardian, child_id)
    return TokenResponse(
        access_token=create_access_token(
            settings, now, member_id=child.id or 0, session_id=session_id, actor_id=guardian.id
        ),
        expires_in=settings.access_token_minutes * 60,
    )


def ensure_email_free(session: Session, email: str) -> None:
    if session.execute(select(Member.id).where(Member.email == _email_key(email))).first():
        raise conflict("An account with this email already exists.", "email-taken")


__all__ = [
    "authenticate",
    "child_token",
    "ensure_email_free",
    "logout",
    "refresh",
    "register",
    "start_session",
]
