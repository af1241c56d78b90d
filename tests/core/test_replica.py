"""Reads on a real PostgreSQL streaming replica: analytics and public pages may lag, a
member's own points never go back after a log.

The setup makes a second cluster on another port of this machine with `pg_basebackup`
from the PostgreSQL at 127.0.0.1:5432 (or REPLICA_PRIMARY_URL), run as the `postgres`
OS user, and removes it afterwards. Replication connections need a `pg_hba.conf` line
of their own (`host replication all 127.0.0.1/32 trust`): when the primary lacks it and
its file is on this machine, the setup appends it once and reloads the primary. Where a
replica cannot be made the tests are skipped with the reason; under CI=true they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import make_engine, replica_caught_up
from app.core.migrate import upgrade
from app.main import create_app
from tests.conftest import START
from tests.factories import Factory, FixedClock

PRIMARY = os.environ.get("REPLICA_PRIMARY_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HBA_LINE = "host replication all 127.0.0.1/32 trust"


def _cannot(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"no streaming replica for the replica tests: {reason}")
    pytest.skip(f"no streaming replica (needs PostgreSQL 15 and root or postgres): {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str) -> subprocess.CompletedProcess[str]:
    if pwd.getpwuid(os.getuid()).pw_name != "postgres":
        cmd = ("runuser", "-u", "postgres", "--", *cmd)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


# A hot standby needs at least the primary's values of these.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _primary_minimums(admin: Any) -> str:
    with admin.connect() as conn:
        return "".join(
            f"{name} = {conn.execute(text(f'SHOW {name}')).scalar_one()}\n"
            for name in STANDBY_MINIMUMS
        )


def _allow_replication(admin: Any) -> None:
    """Add the replication line to the primary's pg_hba.conf once, then reload."""
    with admin.connect() as conn:
        hba = Path(conn.execute(text("SHOW hba_file")).scalar_one())
        if not hba.exists():
            return  # a primary elsewhere: its operator allows replication
        lines = hba.read_text().splitlines()
        if any(line.split()[:2] == ["host", "replication"] for line in lines if line.strip()):
            return
        hba.write_text("\n".join([*lines, HBA_LINE]) + "\n")
        conn.execute(text("SELECT pg_reload_conf()"))
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A streaming replica of PRIMARY; yields its SQLAlchemy URL (same database)."""
    if not (PG_BIN / "pg_basebackup").exists():
        _cannot(f"{PG_BIN}/pg_basebackup not found")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _cannot("no postgres OS user")
    if os.getuid() != 0 and pwd.getpwuid(os.getuid()).pw_name != "postgres":
        _cannot("the cluster must run as the postgres OS user: run as root or postgres")
    admin = make_engine(PRIMARY, pool_size=1)
    try:
        _allow_replication(admin)
        minimums = _primary_minimums(admin)
    except Exception as exc:
        admin.dispose()
        _cannot(f"primary at {PRIMARY} unusable: {exc}")
    admin.dispose()
    url = make_url(PRIMARY)
    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="bacaquest-replica-"))
    shutil.chown(data, "postgres", "postgres")
    data.chmod(0o700)
    backup = _as_postgres(
        str(PG_BIN / "pg_basebackup"),
        *("-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
        *("-U", url.username or "postgres", "-D", str(data / "pg"), "-R", "-X", "stream"),
        "--checkpoint=fast",
    )
    if backup.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        _cannot(f"pg_basebackup failed: {backup.stderr.strip()[-400:]}")
    pg = data / "pg"
    # Debian keeps the primary's configuration outside its data directory: the replica
    # gets its own, minimal one (pg_basebackup -R wrote standby.signal and the conninfo).
    (pg / "postgresql.conf").write_text(
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{data}'\n"
        "hot_standby = on\nshared_buffers = 32MB\n"
        "wal_receiver_status_interval = 1s\nhot_standby_feedback = on\n" + minimums
    )
    (pg / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (pg / "pg_ident.conf").write_text("")
    for path in (pg / "postgresql.conf", pg / "pg_hba.conf", pg / "pg_ident.conf"):
        shutil.chown(path, "postgres", "postgres")
    started = _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(pg), "-l", str(data / "log"), "-w", "-t", "60", "start"
    )
    if started.returncode != 0:
        log = (data / "log").read_text()[-600:] if (data / "log").exists() else ""
        shutil.rmtree(data, ignore_errors=True)
        _cannot(f"the replica did not start: {started.stderr.strip()} {log}")
    try:
        yield url.set(port=port).render_as_string(hide_password=False)
    finally:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(pg), "-m", "fast", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def world(cluster: str) -> Iterator[dict[str, Any]]:
    """A migrated schema of its own on the primary, seen through the replica too."""
    schema = f"t_replica_{os.getpid()}"
    admin = make_engine(PRIMARY, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    opts = f"options=-csearch_path%3D{schema}"
    primary_url = f"{PRIMARY}{'&' if '?' in PRIMARY else '?'}{opts}"
    replica_url = f"{cluster}{'&' if '?' in cluster else '?'}{opts}"
    upgrade(primary_url)
    settings = Settings(
        environment="test",
        database_url=primary_url,
        database_replica_url=replica_url,
        db_pool_size=8,
        max_in_flight=4,
        share_view_flush_seconds=0,
    )
    engine = make_engine(primary_url, pool_size=4)
    clock = FixedClock(START)
    app = create_app(settings, engine=engine, clock=clock)
    replica_reads: list[str] = []
    event.listen(
        app.state.replica_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: replica_reads.append(statement),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield {
            "client": client,
            "factory": Factory(engine, settings, clock),
            "app": app,
            "replica_reads": replica_reads,
            "replica_url": replica_url,
        }
    app.state.replica_engine.dispose()
    engine.dispose()
    admin = make_engine(PRIMARY, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _replay(replica_url: str, *, paused: bool) -> None:
    engine = make_engine(replica_url, pool_size=1)
    with engine.connect() as conn:
        fn = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        conn.execute(text(f"SELECT {fn}()"))
    engine.dispose()


def _wait_caught_up(app: Any) -> None:
    for _ in range(200):
        if replica_caught_up(app.state.engine, app.state.replica_engine, wait=0.05):
            return
    raise AssertionError("the replica never caught up")


def log(client: TestClient, h: dict[str, str], pages: int) -> None:
    body = {"book": {"title": "Bumi Manusia", "genre": "novel"}, "pages": pages, "minutes": 60}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text


def test_own_points_never_go_back_while_others_read_the_replica(world):
    client, factory, app = world["client"], world["factory"], world["app"]
    lib = factory.library("palu", name="Perpustakaan Kota Palu")
    reader = factory.member(lib, nickname="KutuBuku")
    staff = factory.staff(lib)
    h = factory.headers(reader)
    log(client, h, 20)
    _wait_caught_up(app)

    # Caught up: boards and the library page read the replica.
    world["replica_reads"].clear()
    board = client.get("/v1/leaderboards?period=month", headers=h).json()
    assert board["me"]["points"] > 0
    # The board's unit of work is on the replica: the caller is read there with the
    # board (whose own statements go to the driver directly, past the engine's events).
    assert any("auth_session" in s for s in world["replica_reads"])
    before = board["me"]["points"]
    page = client.get("/l/palu").text
    assert "KutuBuku" in page

    _replay(world["replica_url"], paused=True)
    try:
        log(client, h, 30)
        # The replica no longer follows: the member's board comes from the primary...
        after = client.get("/v1/leaderboards?period=month", headers=h).json()["me"]["points"]
        assert after > before
        for _ in range(5):
            again = client.get("/v1/leaderboards?period=month", headers=h).json()
            assert again["me"]["points"] == after
        # ...while what may lag (the public page's figures, staff analytics) reads the
        # replica, which still has the earlier standing.
        world["replica_reads"].clear()
        sh = factory.headers(staff)
        summary = client.get("/v1/analytics/summary", headers=sh)
        assert summary.status_code == 200, summary.text
        assert world["replica_reads"], "analytics did not read the replica"
        lagging = client.get("/l/palu").text
        assert f"{before} poin" in lagging and f"{after} poin" not in lagging
    finally:
        _replay(world["replica_url"], paused=False)
    _wait_caught_up(app)
    assert f"{after} poin" in client.get("/l/palu").text


def test_a_replica_that_is_down_leaves_the_primary_answering(world):
    client, factory, app = world["client"], world["factory"], world["app"]
    lib = factory.library("kupang")
    reader = factory.member(lib, nickname="Rajawali")
    staff_h = factory.headers(factory.staff(lib))
    log(client, factory.headers(reader), 10)
    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", pool_size=1)
    alive, app.state.replica_engine = app.state.replica_engine, dead
    try:
        assert client.get("/l/kupang").status_code == 200
        assert client.get("/v1/analytics/summary", headers=staff_h).status_code == 200
        board = client.get("/v1/leaderboards?period=month", headers=factory.headers(reader))
        assert board.status_code == 200 and board.json()["me"]["points"] > 0
    finally:
        app.state.replica_engine = alive
        dead.dispose()
