"""Accounts and sign-in: registration, tokens, rotation with reuse detection."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.nicknames import ensure_nickname_allowed, suggest_nicknames
from app.accounts.passwords import ensure_strong
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
from app.models.member import (
    MIN_SELF_REGISTER_AGE,
    TEENS_MAX_AGE,
    Member,
    RegisterRequest,
    nickname_key,
)
from app.services.members import child_of, nickname_taken


def _email_key(email: str) -> str:
    return email.strip().lower()


def register(
    session: Session, data: RegisterRequest, now: datetime, *, password_hash: str | None = None
) -> Member:
    """A new reader's account; `password_hash` when the caller hashed it off this thread."""
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
    ensure_strong(data.password, email=email, name=data.display_name)
    nickname = data.nickname
    minor = year - data.birth_year <= TEENS_MAX_AGE
    if nickname:
        ensure_nickname_allowed(nickname, data.display_name)
    elif minor:
        # Everyone under 18 is shown by nickname only: give them one they can change.
        nickname = suggest_nicknames(session, lib.id or 0, 1)[0]
    if nickname and nickname_taken(session, lib.id or 0, nickname):
        raise conflict("That nickname is already taken in this library.", "already-taken")
    member = Member(
        library_id=lib.id,
        email=email,
        password_hash=password_hash or hash_password(data.password),
        role="member",
        display_name=data.display_name,
        nickname=nickname,
        nickname_key=nickname_key(nickname),
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


def invalid_credentials() -> Problem:
    return Problem(
        401,
        "invalid-credentials",
        "The email or password is not correct.",
        title="Sign-in failed",
    )


def authenticate(session: Session, email: str, password: str) -> Member:
    member = session.execute(
        select(Member).where(Member.email == _email_key(email))
    ).scalar_one_or_none()
    # Always one verification: an unknown email checks the dummy hash, so the answer
    # takes as long as for a member.
    ok = verify_password(password, member.password_hash if member is not None else None)
    if member is None or not ok:
        raise invalid_credentials()
    return member


def credentials_of(session: Session, email: str) -> tuple[int | None, str | None]:
    """(member id, password hash) for an email; (None, None) when nobody has it."""
    row = session.execute(
        select(Member.id, Member.password_hash).where(
            Member.email == _email_key(email), Member.deleted_at.is_(None)
        )
    ).first()
    return (None, None) if row is None else (row[0], row[1])


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


def start_session_for(
    session: Session, settings: Settings, member_id: int, now: datetime
) -> TokenResponse:
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise invalid_credentials()
    return start_session(session, settings, member, now)


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


def refresh(
    session: Session, settings: Settings, raw: str, now: datetime, client: str | None = None
) -> TokenResponse:
    """A new pair for a refresh token. `client` (a digest of the caller's address and
    agent) lets the same client's concurrent refreshes within the grace both succeed."""
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
        .values(used_at=now, used_by=client)
    )
    if spent.rowcount != 1 and not _same_client_within_grace(session, settings, token, client, now):
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


def _same_client_within_grace(
    session: Session, settings: Settings, token: RefreshToken, client: str | None, now: datetime
) -> bool:
    """A phone that refreshed twice at once (two requests racing after waking up) is not
    a thief: the same client within the grace gets a pair of its own in the family."""
    if client is None or settings.refresh_grace_seconds <= 0:
        return False
    # Read the winner's committed mark, not this session's earlier view of the row.
    row = session.execute(
        select(RefreshToken.used_at, RefreshToken.used_by).where(RefreshToken.id == token.id)
    ).first()
    if row is None or row.used_at is None or row.used_by != client:
        return False
    return now - row.used_at <= timedelta(seconds=settings.refresh_grace_seconds)


def end_other_sessions(session: Session, member_id: int, keep: str | None, now: datetime) -> None:
    """Sign out every device of the member but `keep` (None: every device)."""
    stmt = update(AuthSession).where(
        AuthSession.member_id == member_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    session.execute(stmt.values(revoked_at=now))


def change_password(
    session: Session, member_id: int, password_hash: str, keep_session: str | None, now: datetime
) -> None:
    """Store a new hash and end every other sign-in of the member."""
    session.execute(
        update(Member).where(Member.id == member_id).values(password_hash=password_hash)
    )
    end_other_sessions(session, member_id, keep_session, now)


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
    "change_password",
    "child_token",
    "credentials_of",
    "end_other_sessions",
    "ensure_email_free",
    "logout",
    "refresh",
    "register",
    "start_session",
]
