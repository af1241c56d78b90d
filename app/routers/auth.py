"""Registration, sign-in, token refresh, logout and a guardian's child token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.core.problems import problems, unprocessable
from app.deps import AdultMember, CallerDep, ClockDep, SessionDep, SettingsDep
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
    responses=problems(409),
)
def register(
    data: RegisterRequest, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> RegisterResponse:
    """Create a reader's account (13 and over) and sign them in."""
    now = clock.now()
    member = auth.register(session, data, now)
    tokens = auth.start_session(session, settings, member, now)
    return RegisterResponse(**tokens.model_dump(), member=describe(session, member, now))


@router.post("/token", response_model=TokenResponse, responses=problems(401))
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Sign in with email (as `username`) and password (OAuth2 password form)."""
    if len(form.username) > 254 or len(form.password) > 256 or "\x00" in form.username:
        raise unprocessable("username or password is not valid.", field="username")
    member = auth.authenticate(session, form.username, form.password)
    return auth.start_session(session, settings, member, clock.now())


@router.post("/refresh", response_model=TokenResponse, responses=problems(401))
def refresh(
    data: RefreshRequest, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> TokenResponse:
    """Trade a refresh token for a new pair; a reused one ends its whole family."""
    return auth.refresh(session, settings, data.refresh_token, clock.now())


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
