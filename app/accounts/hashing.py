"""Password hashing off the request threads, a bounded number at a time.

An argon2 hash costs ~0.1-0.2 s of CPU. Run on the request thread pool, a burst of
sign-ins takes every thread and core and other members' requests wait behind it. Here
hashes run on a small pool of their own (argon2 releases the interpreter lock, so one
core stays for everything else), callers wait for it on the event loop holding no
thread and no database connection, and when too many already wait the caller is told
to come back later (503 with Retry-After) instead of growing the queue.

Sign-in always verifies against a hash: the member's, or a fixed dummy one when the
email is unknown, so both answers cost the same work.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.core import security
from app.core.problems import Problem

T = TypeVar("T")

WORKERS = max(1, (os.cpu_count() or 2) // 2)
MAX_WAITING = 64

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_waiting = 0


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="password-hash")
        return _executor


def _admit() -> None:
    global _waiting
    with _lock:
        if _waiting >= MAX_WAITING:
            raise Problem(
                503,
                "busy",
                "Too many sign-ins at once; please try again in a moment.",
                headers={"Retry-After": "2"},
            )
        _waiting += 1


def _leave() -> None:
    global _waiting
    with _lock:
        _waiting -= 1


async def _run(fn: Callable[[], T]) -> T:
    _admit()
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool(), fn)
    finally:
        _leave()


def _run_blocking(fn: Callable[[], T]) -> T:
    """The same pool from a worker thread (sync code paths)."""
    _admit()
    try:
        return _pool().submit(fn).result()
    finally:
        _leave()


async def verify(password: str, hashed: str | None) -> bool:
    """Whether `password` matches; None (no such account) verifies the dummy hash."""
    return await _run(lambda: security.verify_password(password, hashed))


async def hash_(password: str) -> str:
    return await _run(lambda: security.hash_password(password))


def verify_blocking(password: str, hashed: str | None) -> bool:
    return _run_blocking(lambda: security.verify_password(password, hashed))


def hash_blocking(password: str) -> str:
    return _run_blocking(lambda: security.hash_password(password))
