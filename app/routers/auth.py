"""Registration, sign-in, token refresh, logout and a guardian's child token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from app.accounts import hashing
from app.accounts.passwords import ensure_strong
from app.accounts.throttle import client_address, client_fingerprint, throttle_of
from app.core.problem_docs import problems
from app.core.problems import unprocessable
from app.deps import (
    AdultMember,
    CallerDep,
    ClockDep,
    SessionDep,
    SettingsDep,
    unit_of_work,
)
from app.integrations.webhooks import events
from app.models.auth import (
    ChildTokenRequest,
    RefreshRequest,
    RegisterResponse,
    TokenResponse,
)
from app.models.member import RegisterRequest
from app.services import auth
from app.services.members import describe

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisterResponse,
    responses=problems(409, 429, 503),
)
async def register(
    request: Request, data: RegisterRequest, clock: ClockDep, settings: SettingsDep
) -> RegisterResponse:
    """Create a reader's account (13 and over) and sign them in.

    Rate-limited per client address; a common or trivial password is refused with the
    reason; the password is hashed off the request threads."""
    now = clock.now()
    throttle = throttle_of(request.app.state)
    address = client_address(request.scope.get("client"))
    await run_in_threadpool(throttle.hit, "register-address", address, now)
    ensure_strong(data.password, email=str(data.email), name=data.display_name)
    password_hash = await hashing.hash_(data.password)

    def work() -> RegisterResponse:
        with unit_of_work(request.app.state.engine, write=True) as session:
            member = auth.register(session, data, now, password_hash=password_hash)
            events.after_join(session, settings.secret_key, member, now)
            tokens = auth.start_session(session, settings, member, now)
            return RegisterResponse(**tokens.model_dump(), member=describe(session, member, now))

    return await run_in_threadpool(work)


@router.post("/token", response_model=TokenResponse, responses=problems(401, 429, 503))
async def sign_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Sign in with email (as `username`) and password (OAuth2 password form).

    Attempts are limited per account and per client address (429 with `Retry-After`);
    a known and an unknown email cost the same password-hash work."""
    if len(form.username) > 254 or len(form.password) > 256 or "\x00" in form.username:
        raise unprocessable("username or password is not valid.", field="username")
    now = clock.now()
    throttle = throttle_of(request.app.state)
    address = client_address(request.scope.get("client"))
    engine = request.app.state.engine

    def look_up() -> tuple[int | None, str | None]:
        throttle.hit("signin-address", address, now)
        throttle.hit("signin-account", form.username.strip(), now)
        with unit_of_work(engine, write=False) as session:
            return auth.credentials_of(session, form.username)

    member_id, password_hash = await run_in_threadpool(look_up)
    ok = await hashing.verify(form.password, password_hash)
    if member_id is None or not ok:
        raise auth.invalid_credentials()

    def sign_in() -> TokenResponse:
        with unit_of_work(engine, write=True) as session:
            return auth.start_session_for(session, settings, member_id, now)

    return await run_in_threadpool(sign_in)


@router.post("/refresh", response_model=TokenResponse, responses=problems(401))
def refresh(
    request: Request,
    data: RefreshRequest,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Trade a refresh token for a new pair; a reused one ends its whole family.

    The same client refreshing the same token twice at once (within a short grace) gets
    a valid pair both times."""
    client = client_fingerprint(
        client_address(request.scope.get("client")), request.headers.get("user-agent")
    )
    return auth.refresh(session, settings, data.refresh_token, clock.now(), client)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401))
def logout(caller: CallerDep, session: SessionDep, clock: ClockDep) -> None:
    """End this sign-in: its refresh tokens and access tokens stop working."""
    auth.logout(session, caller.session_id, clock.now())


@router.post("/child-token", response_model=TokenResponse, responses=problems(401, 403, 404))
def child_token(
    data: ChildTokenRequest,
    guardian: AdultMember,
    caller: CallerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenResponse:
    """A short-lived token with which a guardian acts as one of their children."""
    return auth.child_token(
        session, settings, guardian, caller.session_id, data.child_id, clock.now()
    )
