"""Request dependencies as Annotated aliases: session, clock, settings, who is calling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine, bindparam, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.analytics import backlog
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import close_session, open_session, read_engine, replica_reachable
from app.core.hotsql import HotSql
from app.core.problem_docs import raises
from app.core.problems import Problem, forbidden, unauthorized
from app.core.security import AccessClaims, decode_access_token
from app.models.auth import AuthSession
from app.models.library import Library
from app.models.member import Member, MemberFacts

T = TypeVar("T")

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Dependencies that touch no database are `async def`: a sync one costs a hop onto
# the thread pool per request.


@contextmanager
def unit_of_work(engine: Engine, *, write: bool) -> Iterator[Session]:
    """A request's transaction: committed when the work returns, else rolled back
    (a Problem that asks to keep its changes commits them before it propagates)."""
    session = open_session(engine, write=write)
    try:
        yield session
        session.commit()
    except Problem as exc:
        if exc.keep_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        close_session(session)


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the handler returns, else rolled back."""
    with unit_of_work(request.app.state.engine, write=request.method not in _READ_METHODS) as s:
        yield s


def _replica_session(request: Request, *, own_data: bool) -> Iterator[Session]:
    state = request.app.state
    primary: Engine = state.engine
    engine = read_engine(primary, getattr(state, "replica_engine", None), own_data=own_data)
    if engine is not primary and not own_data and not replica_reachable(engine):
        engine = primary  # a replica that is down: the primary answers instead
    with unit_of_work(engine, write=False) as s:
        yield s


def get_replica_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work that may lag the primary a little (analytics, public
    pages): on the streaming replica when DATABASE_REPLICA_URL is set."""
    yield from _replica_session(request, own_data=False)


def fresh_rollups(request: Request) -> None:
    """The analytics rollups take in every log accepted before the request (their backlog
    is added on the primary: see `app.analytics.backlog`); before any session opens."""
    backlog.drain(request.app.state.engine)


def get_analytics_session(request: Request) -> Iterator[Session]:
    """`get_replica_session` once the rollups have taken in every log accepted before the
    request (their backlog is added on the primary first: see `app.analytics.backlog`)."""
    backlog.drain(request.app.state.engine)
    yield from _replica_session(request, own_data=False)


def get_fresh_replica_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work that shows the caller's own latest writes (boards): on the
    replica once it has replayed them, else on the primary."""
    yield from _replica_session(request, own_data=True)


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit runs before the response is sent, so a client never
# hears 201 about a write that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReplicaSessionDep = Annotated[Session, Depends(get_replica_session, scope="function")]
FreshReplicaSessionDep = Annotated[Session, Depends(get_fresh_replica_session, scope="function")]
AnalyticsSessionDep = Annotated[Session, Depends(get_analytics_session, scope="function")]
FreshRollups = Annotated[None, Depends(fresh_rollups)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
optional_oauth2_scheme = oauth2_scheme


@dataclass(frozen=True, slots=True)
class Caller:
    member: Member
    session_id: str
    acting_guardian_id: int | None


# Built once: every authenticated request runs it.
_CALLER = (
    select(Member, AuthSession.revoked_at, AuthSession.member_id)
    .join(AuthSession, AuthSession.id == bindparam("session_id"))
    .where(Member.id == bindparam("member_id"), Member.deleted_at.is_(None))
)


@raises(401)
async def get_claims(
    clock: ClockDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> AccessClaims:
    """The bearer token's claims (signature, audience, expiry): no database needed."""
    if not token or len(token) > 4096:
        raise unauthorized()
    claims = decode_access_token(settings, token, clock.now())
    if claims is None or claims.member_id > 2**31 - 1:
        raise unauthorized("The token is invalid or has expired.")
    return claims


ClaimsDep = Annotated[AccessClaims, Depends(get_claims)]


def load_caller(session: Session, claims: AccessClaims) -> Caller:
    """Who holds these claims: their sign-in must still be open."""
    row = session.execute(
        _CALLER, {"member_id": claims.member_id, "session_id": claims.session_id}
    ).first()
    if row is None:
        raise unauthorized("The token is invalid or has expired.")
    member, revoked_at, session_owner = row
    _check_sign_in(claims, member.id, member.guardian_id, revoked_at, session_owner)
    return Caller(member=member, session_id=claims.session_id, acting_guardian_id=claims.actor_id)


def _check_sign_in(
    claims: AccessClaims,
    member_id: int | None,
    guardian_id: int | None,
    revoked_at: object,
    session_owner: int | None,
) -> None:
    if revoked_at is not None:
        raise unauthorized("This sign-in has ended; please sign in again.")
    # A session belongs to the person who signed in: the member, or the guardian
    # acting as their child.
    expected_owner = claims.actor_id if claims.actor_id is not None else member_id
    if session_owner != expected_owner:
        raise unauthorized("The token is invalid or has expired.")
    if claims.actor_id is not None and guardian_id != claims.actor_id:
        raise unauthorized("The token is invalid or has expired.")


def get_caller(session: SessionDep, claims: ClaimsDep) -> Caller:
    return load_caller(session, claims)


@dataclass(frozen=True, slots=True)
class CallerFacts:
    """The caller as `as_caller` reads them: facts, not an ORM instance."""

    member: MemberFacts
    session_id: str
    acting_guardian_id: int | None


_member = Member.__table__.c
_auth = AuthSession.__table__.c
# The same rows as `_CALLER`, with MemberFacts' columns only.
_CALLER_FACTS = HotSql(
    select(*(_member[f.name] for f in fields(MemberFacts)), _auth.revoked_at, _auth.member_id)
    .join_from(Member.__table__, AuthSession.__table__, _auth.id == bindparam("session_id"))
    .where(_member.id == bindparam("member_id"), _member.deleted_at.is_(None))
)


def load_caller_facts(session: Session, claims: AccessClaims) -> CallerFacts:
    """`load_caller` without building a `Member`: one plain statement."""
    row = _CALLER_FACTS.first(
        session, {"member_id": claims.member_id, "session_id": claims.session_id}
    )
    if row is None:
        raise unauthorized("The token is invalid or has expired.")
    *facts, revoked_at, session_owner = row
    member = MemberFacts(*facts)
    _check_sign_in(claims, member.id, member.guardian_id, revoked_at, session_owner)
    return CallerFacts(member, claims.session_id, claims.actor_id)


async def as_caller(
    request: Request, claims: AccessClaims, work: Callable[[Session, CallerFacts], T]
) -> T:
    """Run `work` for the caller in its own unit of work, on one worker thread.

    The same transaction, sign-in check and commit-before-answer as `SessionDep` with
    `CallerDep`, which take a thread-pool hop each (and the session's cleanup one more):
    the busiest write (POST /v1/reading-logs) makes one hop instead of four, and reads
    the caller with one plain statement.
    """
    engine: Engine = request.app.state.engine
    write = request.method not in _READ_METHODS

    def job() -> T:
        with unit_of_work(engine, write=write) as session:
            return work(session, load_caller_facts(session, claims))

    return await run_in_threadpool(job)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_current_member(caller: CallerDep) -> Member:
    return caller.member


CurrentMember = Annotated[Member, Depends(get_current_member)]


@raises(403)
async def get_adult_member(member: CurrentMember) -> Member:
    if member.is_child:
        raise forbidden("A child profile cannot do this; ask your guardian.")
    return member


AdultMember = Annotated[Member, Depends(get_adult_member)]


@raises(403)
async def get_staff_member(member: CurrentMember) -> Member:
    if member.role not in ("staff", "admin"):
        raise forbidden("Only library staff may do this.")
    return member


StaffMember = Annotated[Member, Depends(get_staff_member)]


@raises(403)
async def get_admin_member(member: CurrentMember) -> Member:
    if member.role != "admin":
        raise forbidden("Only an administrator may do this.")
    return member


AdminMember = Annotated[Member, Depends(get_admin_member)]


LibrarySlugQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9-]{1,40}$",
        description="Library slug, for administrators; staff always act on their own library.",
        examples=["palu"],
    ),
]


@raises(403, 404)
def get_staff_library(
    staff: StaffMember, session: SessionDep, library: LibrarySlugQuery = None
) -> Library:
    """The library a staff call acts on: the caller's own, or (admins) the one named."""
    from app.services.libraries import ensure_staff_of, get_by_slug
    from app.services.members import library_of

    lib = get_by_slug(session, library) if library else library_of(session, staff)
    ensure_staff_of(staff, lib)
    return lib


StaffLibrary = Annotated[Library, Depends(get_staff_library)]


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes retries safe: the same key and body return the first response.",
    ),
]
