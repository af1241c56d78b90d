"""Browser tests: Debian's Chromium driven by Playwright against a live uvicorn.

They run when Chromium (/usr/bin/chromium, or BROWSER_CHROMIUM) and Playwright are
there and are skipped, saying why, when not; under CI=true a browser test that cannot
run fails instead. axe-core comes from tests/browser/node_modules (`npm ci` here,
which `make test` runs when Node.js is present). Screenshots of every page visited go
to tests/browser/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, text

from app.core.clock import FixedClock
from app.core.config import Settings
from app.core.db import make_engine
from app.main import create_app
from app.models.base import metadata
from tests.conftest import START, USE_PG
from tests.factories import Factory

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = HERE / "screenshots"
IN_CI = os.environ.get("CI") == "true"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _cannot_run(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _cannot_run(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_run("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _cannot_run(f"axe-core is not installed ({AXE}; run npm ci in tests/browser)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def live_db(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if USE_PG:
        engine = make_engine(template_db, pool_size=1)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield template_db
        return
    path = tmp_path_factory.mktemp("browser") / "live.db"
    shutil.copyfile(template_db, path)
    yield f"sqlite:///{path}"


class Live:
    """A running server and what tests need to arrange its data."""

    def __init__(self, url: str, factory: Factory, engine: Engine) -> None:
        self.url = url
        self.factory = factory
        self.engine = engine


@pytest.fixture(scope="module")
def live(live_db: str) -> Iterator[Live]:
    settings = Settings(
        environment="test",
        database_url=live_db,
        db_pool_size=8,
        max_in_flight=4,
        public_base_url="http://127.0.0.1:8000",
    )
    engine = make_engine(live_db, pool_size=8)
    clock = FixedClock(START)
    app = create_app(settings, engine=engine, clock=clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, whatever else runs
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", Factory(engine, settings, clock), engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


@pytest.fixture
def context(browser: Any, live: Live) -> Iterator[Any]:
    """A fresh browser profile that may reach only the live server (as if offline)."""
    ctx = browser.new_context(
        base_url=live.url,
        bypass_csp=True,
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    outside: list[str] = []
    ctx.outside_requests = outside

    def guard(route: Any) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    yield ctx
    ctx.close()
