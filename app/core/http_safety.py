"""Safe defaults at the HTTP edge, as pure ASGI middlewares (no per-request objects).

- `HostGuard`: with allowed hosts configured, a request for any other `Host` gets a 400
  problem+json before anything runs.
- `BodyLimit`: a body above the configured size gets 413 problem+json, from the
  `Content-Length` at once, or while a chunked body streams in (never read whole).
- `SecurityHeaders`: `nosniff`, a referrer policy and frame protection on every answer,
  a self-only Content-Security-Policy on HTML, HSTS when the public URL is https; and
  an absolute redirect points at the configured public URL, never at the `Host` the
  client sent (the trailing-slash redirect builds its target from it).

CORS, for the configured origins only, is Starlette's own pure ASGI middleware.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.problems import PROBLEM_MEDIA_TYPE, problem_body

# Every asset (docs, console, share pages) is served by the app itself. Styles allow
# inline attributes: ReDoc and Swagger UI set element styles from their scripts. Images
# may also come from the public URL's origin: share pages name their card by it, which
# is this same server seen from outside.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' {origin} data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = b"max-age=31536000; includeSubDomains"


async def _send_problem(
    send: Send, status: int, slug: str, detail: str, extra_headers: Iterable[tuple[bytes, bytes]]
) -> None:
    body = json.dumps(problem_body(status, slug, detail)).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _host_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            host: str = value.decode("latin-1").lower()
            # Drop the port, keeping an IPv6 literal's brackets.
            if host.startswith("["):
                return host.split("]", 1)[0] + "]"
            return host.rsplit(":", 1)[0] if ":" in host else host
    return ""


class HostGuard:
    """Refuse requests for hosts that are not ours (`*.example.org` admits subdomains)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        hosts = [h.strip().lower() for h in allowed_hosts if h.strip()]
        self.any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("*."))
        self.suffixes = tuple(h[1:] for h in hosts if h.startswith("*."))

    def admits(self, host: str) -> bool:
        return self.any or host in self.exact or (bool(host) and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.admits(_host_of(scope)):
            await _send_problem(
                send, 400, "unknown-host", "This server does not answer for that host.", ()
            )
            return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyLimit:
    """At most `limit` bytes of request body, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.detail = f"The request body is larger than {limit} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None:
            try:
                too_large = int(declared) > self.limit
            except ValueError:
                too_large = False  # the server refuses a malformed length itself
            if too_large:
                await self._refuse(send)
                return
            if not chunked:
                # The server never delivers more than the declared length.
                await self.app(scope, receive, send)
                return
        elif not chunked and scope["method"] in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        await self._streamed(scope, receive, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it could not read is replaced
            started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await _send_problem(
            send, 413, "payload-too-large", self.detail, [(b"connection", b"close")]
        )


class SecurityHeaders:
    """Security headers on every answer; absolute redirects point at the public URL."""

    def __init__(self, app: ASGIApp, public_base_url: str) -> None:
        self.app = app
        self.base = public_base_url.rstrip("/")
        parts = urlsplit(self.base)
        origin = f"{parts.scheme}://{parts.netloc}"
        self.csp = CONTENT_SECURITY_POLICY.format(origin=origin).encode("latin-1")
        self.common: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),
        ]
        if parts.scheme == "https":
            self.common.append((b"strict-transport-security", HSTS))

    def _location(self, value: bytes) -> bytes:
        parts = urlsplit(value.decode("latin-1"))
        if not (parts.scheme or parts.netloc):
            return value  # relative: the browser resolves it against our own origin
        tail = parts.path or "/"
        if parts.query:
            tail += "?" + parts.query
        return (self.base + tail).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html = False
                for i, (name, value) in enumerate(headers):
                    if name == b"content-type":
                        html = value.startswith(b"text/html")
                    elif name == b"location":
                        headers[i] = (name, self._location(value))
                headers.extend(self.common)
                if html:
                    headers.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Outermost first: the host is checked before the size, CORS answers preflights."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language", "Idempotency-Key"],
            expose_headers=["Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, public_base_url=settings.public_base_url)
    if settings.allowed_hosts:
        app.add_middleware(HostGuard, allowed_hosts=settings.allowed_hosts)
