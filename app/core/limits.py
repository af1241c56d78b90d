"""Admission control: at most as many requests in flight as the worker has connections.

A sync request holds its pooled connection across several hops onto the thread pool
(dependencies, then the endpoint). With more requests in flight than connections, all
threads can end up waiting for a connection held by requests that wait for a thread.
Queueing the extra requests here, before they touch anything, keeps every admitted
request able to finish.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from starlette.types import ASGIApp, Receive, Scope, Send

# Probes answer without the database and must never queue behind real traffic.
# Sign-in and registration bound themselves: their database work is one hop each and
# their password hashing waits on a pool of its own (app.accounts.hashing), holding no
# thread or connection, so a burst of them must not take every slot from other calls.
_UNLIMITED = frozenset(
    {
        "/healthz",
        "/v1/auth/token",
        "/v1/auth/register",
        "/v1/auth/password-reset",
        "/v1/me/password",
    }
)


class InFlightLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        # One per event loop: a semaphore belongs to the loop it first waited on.
        self._semaphores: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _UNLIMITED:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            await self.app(scope, receive, send)
