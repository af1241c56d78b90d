"""Sign-in, sign-out (here or everywhere) and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.console import sessions
from app.console.web import (
    LANG_COOKIE,
    PRE_COOKIE,
    ConsoleRoute,
    ConsoleWriter,
    attempt,
    clear_console_cookie,
    cookie_secure,
    redirect,
    render,
    set_console_cookie,
)
from app.core.problems import Problem
from app.deps import ClockDep, SessionDep, SettingsDep

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only a console path: never an absolute URL or another site ("//evil").
    if target and target.startswith("/staff") and "//" not in target and "\\" not in target:
        return target
    return "/staff"


def _login_page(
    request: Request,
    settings: SettingsDep,
    *,
    next_url: str,
    problem: Problem | None = None,
    email: str | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"pre_token": token, "next": next_url, "problem": problem, "email": email},
        status=problem.status if problem else 200,
        who=None,
    )
    response.set_cookie(
        PRE_COOKIE,
        token,
        max_age=3600,
        path="/staff/login",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings),
    )
    return response


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str | None = None) -> HTMLResponse:
    return _login_page(request, settings, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=300)] = "/staff",
) -> Response:
    next_url = _safe_next(next)
    pre = request.cookies.get(PRE_COOKIE, "")
    if not csrf_token or not hmac.compare_digest(pre, csrf_token):
        expired = Problem(
            403, "csrf", "The sign-in form expired; please try again. Nothing was changed."
        )
        return _login_page(request, settings, next_url=next_url, problem=expired, email=email)
    if "\x00" in email:
        refused = Problem(401, "invalid-credentials", "The email or password is not correct.")
        return _login_page(request, settings, next_url=next_url, problem=refused)
    result, problem = attempt(
        session, lambda: sessions.sign_in(session, email, password, clock.now())
    )
    if problem is not None or result is None:
        return _login_page(request, settings, next_url=next_url, problem=problem, email=email)
    secret, member = result
    target = next_url if member.role != "admin" or member.library_id else "/staff/libraries"
    response: RedirectResponse = redirect(target)
    set_console_cookie(response, secret, cookie_secure(settings))
    response.delete_cookie(PRE_COOKIE, path="/staff/login")
    return response


@router.post("/logout")
def logout(
    who: ConsoleWriter, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    sessions.sign_out(session, who, clock.now())
    response = redirect("/staff/login")
    clear_console_cookie(response, cookie_secure(settings))
    return response


@router.post("/logout-everywhere")
def logout_everywhere(
    who: ConsoleWriter, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    sessions.sign_out_everywhere(session, who.member.id or 0, clock.now())
    response = redirect("/staff/login")
    clear_console_cookie(response, cookie_secure(settings))
    return response


@router.get("/lang/{lang}")
def switch_language(
    lang: Annotated[str, Path(pattern="^(id|en)$")],
    settings: SettingsDep,
    next: str | None = None,
) -> Response:
    response = redirect(_safe_next(next))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        path="/",
        samesite="lax",
        secure=cookie_secure(settings),
    )
    return response
