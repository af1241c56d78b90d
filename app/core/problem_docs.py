"""How problems are documented in the OpenAPI document: the `ProblemDetails` schema, the
`responses=` entry of an operation (`problems(...)`), and `@raises` for a dependency's
problems (listed on every route that uses it by `app.core.openapi`)."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from pydantic import BaseModel

from app.core.problems import PROBLEM_MEDIA_TYPE


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
