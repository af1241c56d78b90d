"""The app's problem handlers: every error leaves as problem+json, worded in the language
the request asks for (a `Problem`, a validation error, Starlette's 404 and 405, a value the
database refused, and anything unexpected as a 500 without its details)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.problems import (
    Problem,
    RequestLanguage,
    body_of,
    field_errors,
    invalid,
    problem,
    problem_response,
    request_language,
)

log = logging.getLogger("bacaquest")


_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
}


def allowed_methods(request: Request) -> str:
    """Every method of the request's path, for a 405's `Allow`: each FastAPI route has
    one method, so the route that refused the request knows only its own."""
    methods: set[str] = set()
    # Included routers hold their routes: walk every route as FastAPI matches it.
    for route in iter_route_contexts(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route_methods
    return ", ".join(sorted(methods))


def answer(request: Request, exc: Problem) -> JSONResponse:
    """The response of `exc`, worded in the language the request asks for."""
    language = request_language(request.headers.get("accept-language"))
    body = body_of(exc, language, instance=request.url.path)
    return problem_response(exc.status, body, exc.headers, language)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_middleware(RequestLanguage)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = request_language(request.headers.get("accept-language"))
        return answer(request, invalid(field_errors(exc.errors(), language)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        headers = getattr(exc, "headers", None)
        if status == 404 and exc.detail == "Not Found":
            found = problem("request.no-resource", path=request.url.path)
        elif status == 405:
            found = problem(
                "request.method-not-allowed", method=request.method, path=request.url.path
            )
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        else:
            detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
            found = Problem(status, _SLUGS.get(status, "http-error"), detail)
        found.headers = headers
        return answer(request, found)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot hold slipped past validation: still the
        # client's input, and the transaction was rolled back.
        log.warning("database refused a value on %s: %s", request.url.path, exc.orig)
        return answer(request, problem("request.value-cannot-be-stored"))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(request, problem("request.internal"))
