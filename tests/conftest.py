"""Test fixtures: every test gets a clean, migrated database and a controllable clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.clock import FixedClock
from app.core.config import Settings
from app.core.db import make_engine
from app.core.migrate import upgrade
from app.main import create_app
from app.models.base import metadata
from tests.factories import Factory

PG_URL = os.environ.get("DATABASE_URL", "")
USE_PG = PG_URL.startswith("postgresql")
# A Tuesday, mid-morning in Indonesia: far from local midnight unless a test moves it.
START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session: a SQLite file to copy, or the PostgreSQL schema."""
    if USE_PG:
        schema = _pg_schema()
        url = _pg_schema_url(schema, create=True)
        upgrade(url)
        yield url
        _pg_drop(schema)
        return
    # A migrated file made beforehand (mutation testing runs a session per mutant and
    # makes it once): copied, never written.
    ready = os.environ.get("TEST_TEMPLATE_DB")
    if ready:
        yield ready
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    yield str(path)


def _pg_schema() -> str:
    # Every worker of every run gets its own schema, so tests never share state.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"t_{worker}_{os.getpid()}"


def _pg_schema_url(schema: str, *, create: bool) -> str:
    if create:
        admin = make_engine(PG_URL, pool_size=1)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _pg_drop(schema: str) -> None:
    admin = make_engine(PG_URL, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_url(template_db: str, tmp_path: Path) -> Iterator[str]:
    if USE_PG:
        engine = make_engine(template_db, pool_size=1)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield template_db
        return
    path = tmp_path / "test.db"
    shutil.copyfile(template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url, pool_size=4)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Share views written at once, so tests read them back; tests/share/test_share_serving.py
    # measures the batched counting that production runs with.
    return Settings(
        environment="test",
        database_url=db_url,
        db_pool_size=8,
        max_in_flight=4,
        share_view_flush_seconds=0,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FixedClock) -> FastAPI:
    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def factory(engine: Engine, settings: Settings, clock: FixedClock) -> Factory:
    return Factory(engine, settings, clock)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly when the Redis leaderboard tests did not run (CI fails instead)."""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "Redis at" in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep("!", "Redis unreachable", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} leaderboard tests against Redis were SKIPPED, not passed. Start "
            'it (redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
            "--appendonly no) or set TEST_REDIS_URL, and run them again.",
            red=True,
            bold=True,
        )
