"""Which Redis index a session feeds and reads, and its repair when it drifts.

Looked up by the session's engine: the app registers its index in its lifespan; commands
outside the app (the CLI) use the one that the process settings (REDIS_URL) describe.
A library whose Redis boards this process saw drift is rebuilt in the background.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from functools import lru_cache
from weakref import WeakKeyDictionary

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.config import Settings, get_settings
from app.core.db import engine_of, transaction
from app.leaderboards.redis_index import RedisIndex

log = logging.getLogger("bacaquest.leaderboards")

_indexes: WeakKeyDictionary[Engine, RedisIndex | None] = WeakKeyDictionary()


def namespace_for(settings: Settings) -> str:
    return f"bq:{settings.environment}"


@lru_cache(maxsize=1)
def process_index() -> RedisIndex | None:
    settings = get_settings()
    if not settings.redis_url:
        return None
    return RedisIndex(settings.redis_url, namespace_for(settings))


# Repairs run on a thread of their own (the request that noticed answers from the
# database); tests may run them inline.
REPAIR_IN_BACKGROUND = True


REPAIR_PAUSE_SECONDS = 5.0  # at most one repair of a library per process this often


_repairs_lock = threading.Lock()


_repairs: dict[tuple[int, int], float] = {}  # (index, library) -> when the last started


def repair_soon(session: Session, index: RedisIndex, library_id: int, today: date) -> None:
    """Rebuild a library's Redis boards from the database, without an operator: after
    this process saw them drift (a missed change, a stale mark, a new year's age groups).
    The database answers meanwhile; one repair of a library runs at a time everywhere."""
    engine = engine_of(session)
    key = (id(index), library_id)
    now = time.monotonic()
    with _repairs_lock:
        if now - _repairs.get(key, -REPAIR_PAUSE_SECONDS) < REPAIR_PAUSE_SECONDS:
            return
        _repairs[key] = now

    def run() -> None:
        try:
            if not index.try_lock(library_id):
                return
            try:
                with transaction(engine, write=False) as s:
                    index.rebuild_library(s, library_id, today)
            finally:
                index.unlock(library_id)
        except Exception:
            log.exception("repairing the Redis boards of library %s failed", library_id)

    if REPAIR_IN_BACKGROUND:
        threading.Thread(target=run, name=f"board-repair-{library_id}", daemon=True).start()
    else:
        run()


def configure(engine: Engine, index: RedisIndex | None) -> None:
    """Sessions on `engine` feed and read `index` (None: the database only)."""
    _indexes[engine] = index


def forget(engine: Engine) -> None:
    _indexes.pop(engine, None)


def index_for(session: Session) -> RedisIndex | None:
    engine = engine_of(session)
    try:
        return _indexes[engine]
    except KeyError:
        return process_index()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Attach the app's Redis index (if REDIS_URL is set) to the app's engine.

    A test may put its own index on `app.state.leaderboard_index` beforehand. Under
    ENVIRONMENT=test an index made here gets a namespace of its own, dropped at shutdown,
    so parallel test apps never see each other's boards.
    """
    settings: Settings = app.state.settings
    engine: Engine = app.state.engine
    index: RedisIndex | None = getattr(app.state, "leaderboard_index", None)
    owned = index is None and bool(settings.redis_url)
    if owned and settings.redis_url:
        namespace = namespace_for(settings)
        if settings.environment == "test":
            namespace += f":{secrets.token_hex(6)}"
        index = RedisIndex(settings.redis_url, namespace)
    # Boards may be read on the streaming replica (app.core.db.read_engine): the same index.
    replica: Engine | None = getattr(app.state, "replica_engine", None)
    engines = [engine] if replica is None else [engine, replica]
    for e in engines:
        configure(e, index)
    from app.leaderboards.retention import start_pruning

    stop = threading.Event()
    start_pruning(engine, app.state.clock, stop)
    try:
        yield
    finally:
        stop.set()
        for e in engines:
            forget(e)
        if owned and index is not None:
            if settings.environment == "test":
                index.drop_namespace()
            index.close()
