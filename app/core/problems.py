"""RFC 9457 problem+json: the one error shape of the API, the named problems code raises,
and their bodies in the request's language.

The handlers that answer with them are `problem_handlers.py`; how they are documented in
the OpenAPI document (`ProblemDetails`, `problems(...)`, `@raises`) is `problem_docs.py`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.i18n import DEFAULT_LANGUAGE, negotiate
from app.core.problem_catalogue import CATALOGUES, KINDS

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:bacaquest:problem:"


class Term(str):
    """The name of a thing in a detail ("Challenge"): worded by the catalogue's terms."""


class Problem(Exception):
    """A failure the client can act on; becomes a problem+json response.

    Named problems (`problem("challenge.over")`) are worded by the catalogue in the
    request's language; a Problem built with a literal detail keeps that detail."""

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
        kind: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        # Most failures change nothing; a few (revoking a token family on reuse)
        # must be kept although the request fails.
        self.keep_changes = keep_changes
        self.status = status
        self.slug = slug
        self.kind = kind
        self.params = params or {}
        self.detail = detail
        self._title = title
        self.errors = list(errors) if errors else None
        self.headers = headers
        self.extra = extra

    @property
    def title(self) -> str:
        return self.title_in(DEFAULT_LANGUAGE)

    def title_in(self, language: str | None) -> str:
        return title_of(self.status, self.slug, language, self._title)

    def detail_in(self, language: str | None) -> str:
        if self.kind is None:
            return self.detail
        return detail_of(self.kind, language, self.params)


def title_of(status: int, slug: str, language: str | None, fallback: str | None = None) -> str:
    titles = CATALOGUES.get(language).titles
    return (
        titles.get(slug) or fallback or titles.get(f"status.{status}") or HTTPStatus(status).phrase
    )


def detail_of(kind: str, language: str | None, params: dict[str, Any]) -> str:
    texts = CATALOGUES.get(language)
    worded = {k: texts.terms.get(v, v) if isinstance(v, Term) else v for k, v in params.items()}
    return texts.details[kind].format(**worded)


def problem(
    kind: str,
    *,
    headers: dict[str, str] | None = None,
    keep_changes: bool = False,
    errors: Sequence[dict[str, Any]] | None = None,
    at: str | None = None,
    **params: Any,
) -> Problem:
    """The named problem `kind` of the catalogue, with its detail's parameters; a 422
    names the field it is about (`at`, else the kind's own)."""
    k = KINDS[kind]
    at = at or k.field
    # `detail` keeps the English wording, for logs and the callers that read it without
    # a language (the console words problems itself); responses use `detail_in`.
    detail = detail_of(kind, "en", params)
    if errors is None and at is not None:
        errors = [{"field": at, "message": detail}]
    return Problem(
        k.status,
        k.slug,
        detail,
        errors=errors,
        headers=headers,
        keep_changes=keep_changes,
        kind=kind,
        params=params,
    )


def no_library() -> Problem:
    return problem("no-library")


def bad_request(detail: str, slug: str = "bad-request", **kw: Any) -> Problem:
    return Problem(400, slug, detail, **kw)


def unauthorized(detail: str | None = None) -> Problem:
    headers = {"WWW-Authenticate": 'Bearer realm="bacaquest"'}
    if detail is None:
        return problem("auth.token-required", headers=headers)
    if detail == "The token is invalid or has expired.":
        return problem("auth.token-invalid", headers=headers)
    return Problem(401, "unauthorized", detail, headers=headers)


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", detail)


def not_found(what: str) -> Problem:
    return problem("not-found", what=Term(what))


def conflict(detail: str, slug: str = "conflict", **kw: Any) -> Problem:
    return Problem(409, slug, detail, **kw)


def unprocessable(
    detail: str, field: str | None = None, slug: str = "validation", **kw: Any
) -> Problem:
    errors = [{"field": field, "message": detail}] if field else None
    return Problem(422, slug, detail, errors=errors, **kw)


# The language of the request being served, for problem bodies built outside a handler
# (the items of a batch): set from Accept-Language by `RequestLanguage`.
_ACCEPT_LANGUAGE: ContextVar[str | None] = ContextVar("accept_language", default=None)


def request_language(header: str | None = None) -> str:
    """The language to answer in: `header`'s choice, else the current request's."""
    raw = header if header is not None else _ACCEPT_LANGUAGE.get()
    return negotiate(raw, CATALOGUES.languages())


class RequestLanguage:
    """ASGI middleware: remembers the request's Accept-Language for `request_language`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for key, value in scope["headers"]:
            if key == b"accept-language":
                raw = value.decode("latin-1")
                break
        token = _ACCEPT_LANGUAGE.set(raw)
        try:
            await self.app(scope, receive, send)
        finally:
            _ACCEPT_LANGUAGE.reset(token)


def body_of(
    exc: Problem, language: str | None = None, instance: str | None = None
) -> dict[str, Any]:
    """The problem+json body of `exc` in `language` (default: the request's), for a
    response or for one item of a batch."""
    lang = language or request_language()
    errors = exc.errors
    if errors and exc.kind is not None:
        errors = [
            {**e, "message": exc.detail_in(lang)} if e.get("message") == exc.detail else e
            for e in errors
        ]
    return problem_body(
        exc.status,
        exc.slug,
        exc.detail_in(lang),
        exc.title_in(lang),
        instance=instance,
        errors=errors,
        **exc.extra,
    )


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
        "title": title or title_of(status, slug, DEFAULT_LANGUAGE),
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
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    language: str | None = None,
) -> JSONResponse:
    if language is not None:
        headers = {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts)


def field_errors(raw: Sequence[Any], language: str | None = None) -> list[dict[str, Any]]:
    """Pydantic's errors as the API lists them: the field, a message in `language` (pydantic's
    own for an error type the catalogue does not word), and pydantic's code."""
    messages = CATALOGUES.get(language or request_language()).field_messages
    out = []
    for err in raw:
        code = str(err.get("type", "invalid"))
        message = str(err.get("msg", "invalid"))
        template = messages.get(code)
        if template is not None:
            with contextlib.suppress(KeyError, IndexError, ValueError):
                message = template.format(**(err.get("ctx") or {}))
        out.append({"field": _field_name(err.get("loc", ())), "message": message, "code": code})
    return out


def invalid(errors: list[dict[str, Any]], kind: str = "request.invalid-fields") -> Problem:
    """A 422 naming the fields of `errors` (as `field_errors` lists them)."""
    fields = ", ".join(sorted({e["field"] for e in errors}))
    if not fields:
        return problem("request.invalid", errors=errors)
    return problem(kind, errors=errors, fields=fields)
