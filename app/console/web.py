"""The console's HTTP plumbing: templates, who is signed in, form tokens, HTML errors.

Console routes use `ConsoleRoute`, which turns a problem raised by a service (or a
request that does not validate) into an HTML page with the same status, and a
missing sign-in into a redirect to the sign-in page. Every change is a POST that
carries the sign-in's form token (`csrf_token` field or `X-CSRF-Token` header);
without it the request is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.console import sessions
from app.console.i18n import LANGUAGES, figure, say, translator
from app.console.sessions import SignedIn
from app.core.clock import local_date
from app.core.problems import Problem
from app.deps import ClockDep, SessionDep, SettingsDep
from app.models.library import Library

COOKIE = "bq_console"
LANG_COOKIE = "bq_lang"
PRE_COOKIE = "bq_console_pre"  # the sign-in form's token, before there is a session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class SignInRequired(Exception):
    """No open console sign-in: the page sends the browser to sign in."""


class NoLibraryChosen(Exception):
    """An administrator has not picked a library yet."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("app.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{int(n or 0):,}".replace(",", ".")
    return env


def language_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGUAGES else "id"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    who: SignedIn | None = None,
) -> HTMLResponse:
    lang = language_of(request)
    who = who or getattr(request.state, "console", None)
    html = (
        environment()
        .get_template(template)
        .render(
            t=translator(lang),
            fig=figure(lang),
            say=say(lang),
            lang=lang,
            who=who,
            path=request.url.path,
            query=str(request.url.query),
            **(context or {}),
        )
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class ConsoleRoute(APIRoute):
    """A console route: problems become HTML pages, a missing sign-in a redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path if request.method == "GET" else "/staff"
                return redirect(f"/staff/login?next={quote(target)}")
            except NoLibraryChosen:
                return redirect("/staff/libraries")
            except Problem as exc:
                return render(request, "error.html", {"problem": exc}, status=exc.status)
            except RequestValidationError as exc:
                problem = Problem(422, "validation", _validation_text(exc))
                return render(request, "error.html", {"problem": problem}, status=422)

        return console_handler


def _validation_text(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "form"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."


def get_console(request: Request, session: SessionDep, clock: ClockDep) -> SignedIn:
    who = sessions.load(session, request.cookies.get(COOKIE), clock.now())
    if who is None:
        raise SignInRequired
    request.state.console = who
    return who


ConsoleUser = Annotated[SignedIn, Depends(get_console)]


async def get_console_library(who: ConsoleUser) -> Library:
    if who.library is None:
        raise NoLibraryChosen
    return who.library


ConsoleLibrary = Annotated[Library, Depends(get_console_library)]


async def check_csrf(request: Request, who: ConsoleUser) -> SignedIn:
    """Refuse a change that does not carry this sign-in's form token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.method == "POST":
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sessions.token_matches(who, sent):
        raise Problem(
            403,
            "csrf",
            "This form has expired or did not come from the console; reload the page "
            "and try again. Nothing was changed.",
        )
    return who


ConsoleWriter = Annotated[SignedIn, Depends(check_csrf)]


def today_of(lib: Library, clock: ClockDep) -> date:
    return local_date(clock.now(), lib.timezone)


def attempt(session: Session, work: Callable[[], T]) -> tuple[T | None, Problem | None]:
    """Run a service call in a savepoint: a problem undoes what it did, and is returned
    so the page can show it beside the form instead of failing the whole request."""
    try:
        with session.begin_nested():
            return work(), None
    except Problem as exc:
        return None, exc


def dry_run(session: Session, work: Callable[[], object]) -> Problem | None:
    """Run a change and undo it whatever happens: the rules' verdict, nothing kept."""
    savepoint = session.begin_nested()
    try:
        work()
        return None
    except Problem as exc:
        return exc
    finally:
        if savepoint.is_active:
            savepoint.rollback()


FormPage = Callable[[dict[str, str], Problem | None, int], HTMLResponse]


def submit_form(
    session: Session,
    model: type[M],
    values: dict[str, Any],
    work: Callable[[M], T],
    page: FormPage,
) -> T | HTMLResponse:
    """A posted form validated as `model` and handed to `work` in a savepoint: what
    `work` returned, or the form's page again (`page(errors, problem, status)`)
    showing the fields' errors or the service's problem."""
    try:
        data = model.model_validate(values)
    except ValidationError as exc:
        return page(form_errors(exc), None, 422)
    done, problem = attempt(session, lambda: work(data))
    if problem is not None or done is None:
        errors = form_errors(problem) if problem else {}
        return page(errors, problem, problem.status if problem else 422)
    return done


def check_form(
    request: Request,
    session: Session,
    model: type[M],
    values: dict[str, Any],
    work: Callable[[M], object],
) -> HTMLResponse:
    """The rules' verdict on a form as it stands, nothing saved: the fields' errors,
    or the problem the service would raise."""
    try:
        data = model.model_validate(values)
    except ValidationError as exc:
        return render(request, "_check.html", _checked(None, form_errors(exc)))
    problem = dry_run(session, lambda: work(data))
    return render(request, "_check.html", _checked(problem, {}))


def _checked(problem: Problem | None, errors: dict[str, str]) -> dict[str, Any]:
    return {"problem": problem, "errors": errors, "checked": True}


def cookie_secure(settings: SettingsDep) -> bool:
    return settings.public_base_url.startswith("https://")


def set_console_cookie(response: Response, secret: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=sessions.CONSOLE_HOURS * 3600,
        path="/staff",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear_console_cookie(response: Response, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/staff", httponly=True, samesite="lax", secure=secure)


def form_errors(exc: Exception) -> dict[str, str]:
    """Field → message from a pydantic ValidationError (or a field-naming Problem)."""
    out: dict[str, str] = {}
    if isinstance(exc, Problem):
        for err in exc.errors or []:
            if err.get("field"):
                out[str(err["field"])] = str(err.get("message", exc.detail))
        return out
    errors: Iterator[dict[str, Any]] = iter(getattr(exc, "errors", list)())
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        key = loc[0] if loc else "__all__"
        out.setdefault(key, str(err.get("msg", "invalid")).removeprefix("Value error, "))
    return out
