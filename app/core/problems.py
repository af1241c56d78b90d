"""RFC 9457 problem+json: the one error shape of the API, and its handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("bacaquest")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:bacaquest:problem:"


class Problem(Exception):
    """A failure the client can act on; becomes a problem+json response."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        title: str | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        # Most failures change nothing; a few (revoking a token family on reuse)
        # must be kept although the request fails.
        self.keep_changes = keep_changes
        self.status = status
        self.slug = slug
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.errors = list(errors) if errors else None
        self.headers = headers
        self.extra = extra


def no_library() -> Problem:
    return Problem(409, "no-library", "This account does not belong to a library.")


def bad_request(detail: str, slug: str = "bad-request", **kw: Any) -> Problem:
    return Problem(400, slug, detail, **kw)


def unauthorized(detail: str = "A valid bearer token is required.") -> Problem:
    return Problem(
        401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="bacaquest"'}
    )


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", detail)


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", f"{what} was not found.")


def conflict(detail: str, slug: str = "conflict", **kw: Any) -> Problem:
    return Problem(409, slug, detail, **kw)


def unprocessable(
    detail: str, field: str | None = None, slug: str = "validation", **kw: Any
) -> Problem:
    errors = [{"field": field, "message": detail}] if field else None
    return Problem(422, slug, detail, errors=errors, **kw)


def problem_body(
    status: int,
    slug: str,
    detail: str,
    title: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "field": _field_name(err.get("loc", ())),
                "message": str(err.get("msg", "invalid")),
                "code": str(err.get("type", "invalid")),
            }
        )
    return out


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


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        body = problem_body(
            exc.status,
            exc.slug,
            exc.detail,
            exc.title,
            instance=request.url.path,
            errors=exc.errors,
            **exc.extra,
        )
        return problem_response(exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(sorted({e["field"] for e in errors}))
        body = problem_body(
            422,
            "validation",
            f"The request is not valid: {fields}." if fields else "The request is not valid.",
            "Invalid request",
            instance=request.url.path,
            errors=errors,
        )
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
        if status == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        if status == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        body = problem_body(
            status, _SLUGS.get(status, "http-error"), detail, instance=request.url.path
        )
        headers = getattr(exc, "headers", None)
        if status == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem_response(status, body, headers)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot hold slipped past validation: still the
        # client's input, and the transaction was rolled back.
        log.warning("database refused a value on %s: %s", request.url.path, exc.orig)
        body = problem_body(
            422, "validation", "A value in the request cannot be stored.", instance=request.url.path
        )
        return problem_response(422, body)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = problem_body(
            500,
            "internal",
            "Something went wrong on our side; nothing was saved. Please try again.",
            instance=request.url.path,
        )
        return problem_response(500, body)


class FieldError(BaseModel):
    field: str | None = None
    message: str
    code: str | None = None


class ProblemDetails(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or expired token",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Gone",
    422: "Invalid input",
    429: "Too many requests",
    503: "Unavailable for now",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting the problems an operation may return."""
    return {
        s: {
            "model": ProblemDetails,
            "description": _DESCRIPTIONS.get(s, HTTPStatus(s).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for s in sorted({*statuses, 400, 422})
    }


# The problems each dependency may raise: the OpenAPI document lists them on every
# route that uses it (app.core.openapi), so no route has to repeat them.
DEPENDENCY_PROBLEMS: dict[Callable[..., Any], tuple[int, ...]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def raises(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency with the problem statuses it may answer with."""

    def mark(fn: F) -> F:
        DEPENDENCY_PROBLEMS[fn] = statuses
        return fn

    return mark
