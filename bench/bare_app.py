"""The yardstick: the app's stack doing the least a reading log could, inserting one row.

Same stack as the API (FastAPI, SQLModel, a sync `def` endpoint, one pooled
session per request committed by a `yield` dependency, the thread pool sized
to the connection pool) and the same engine settings as `app/core/db.py`
(copied, not imported, so the yardstick does not move when the app changes).
It owns one table, created here in its own database or schema, and never
touches the app's schema.

Run by the harness as
`uvicorn bench.bare_app:create_app --factory` with BENCH_BARE_DATABASE_URL set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Field as SQLField
from sqlmodel import Session, SQLModel

URL_ENV = "BENCH_BARE_DATABASE_URL"
POOL_ENV = "BENCH_BARE_POOL_SIZE"
_IMMEDIATE = "bench_immediate"


class BareLog(SQLModel, table=True):
    __tablename__ = "bench_bare_log"

    id: int | None = SQLField(default=None, primary_key=True)
    book_id: int | None = None
    pages: int
    minutes: int
    finished: bool = False
    logged_at: datetime = SQLField(sa_type=DateTime(timezone=True), nullable=False)


class BareMember(SQLModel, table=True):
    """What the leaderboard scenario looks up by primary key (seeded by the scenario)."""

    __tablename__ = "bench_bare_member"

    id: int | None = SQLField(default=None, primary_key=True)
    display_name: str
    points: int = 0


class BareMemberOut(BaseModel):
    id: int
    display_name: str
    points: int


class BareLogIn(BaseModel):
    """Accepts the reading-log body, so both servers get the same requests."""

    model_config = ConfigDict(extra="ignore")

    book_id: int | None = Field(default=None, ge=1)
    book: dict[str, Any] | None = None
    pages: int = Field(ge=0, le=5000)
    minutes: int = Field(ge=0, le=1440)
    finished: bool = False


class BareLogOut(BaseModel):
    id: int
    pages: int
    minutes: int


def make_engine(url: str, pool_size: int) -> Engine:
    """The app's engine settings: WAL and BEGIN IMMEDIATE on SQLite, a pre-pinged pool."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(
            url, pool_size=pool_size, max_overflow=8, pool_pre_ping=True, pool_timeout=30
        )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            cur.execute(f"PRAGMA {pragma}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    session = Session(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite" and request.method != "GET":
        session.connection(execution_options={_IMMEDIATE: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def create_app() -> FastAPI:
    url = os.environ[URL_ENV]
    pool_size = int(os.environ.get(POOL_ENV, "32"))
    engine = make_engine(url, pool_size)
    SQLModel.metadata.create_all(
        engine,
        tables=[BareLog.__table__, BareMember.__table__],  # type: ignore[attr-defined]
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = pool_size
        yield
        engine.dispose()

    app = FastAPI(title="BacaQuest bench yardstick", lifespan=lifespan)
    app.state.engine = engine

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bare/logs", status_code=201, response_model=BareLogOut)
    def create_log(data: BareLogIn, session: SessionDep) -> BareLogOut:
        log = BareLog(
            book_id=data.book_id,
            pages=data.pages,
            minutes=data.minutes,
            finished=data.finished,
            logged_at=datetime.now(UTC),
        )
        session.add(log)
        session.flush()
        return BareLogOut(id=log.id or 0, pages=log.pages, minutes=log.minutes)

    @app.get("/bare/members/{member_id}", response_model=BareMemberOut)
    def get_member(member_id: int, session: SessionDep) -> BareMemberOut:
        member = session.get(BareMember, member_id)
        if member is None:
            raise HTTPException(status_code=404)
        return BareMemberOut(id=member_id, display_name=member.display_name, points=member.points)

    return app
