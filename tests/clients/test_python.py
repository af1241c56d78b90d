"""The Python client a team generates with openapi-python-client from the committed
document: generated with zero warnings, then the app's whole flow run through it
against a live server (uvicorn on a free port)."""

from __future__ import annotations

import datetime as dt
import importlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.cli import SPEC_PATH
from app.core.db import transaction
from app.services.badges import ensure_demo_badges

CONFIG = Path(__file__).resolve().parents[2] / "clients" / "python-client.yaml"
PACKAGE = "bacaquest_client"
PLATFORMS = ["x", "facebook", "instagram", "tiktok", "whatsapp", "telegram", "threads"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("pyclient") / PACKAGE
    tool = Path(sys.executable).parent / "openapi-python-client"
    done = subprocess.run(
        [
            str(tool),
            *("generate", "--path", str(SPEC_PATH), "--output-path", str(out)),
            *("--meta", "none", "--config", str(CONFIG)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "warning" not in said.lower(), said
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out.parent))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def live_url(app) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_generated_python_client_runs_the_app_flow(generated, live_url, factory):
    from bacaquest_client import AuthenticatedClient, Client
    from bacaquest_client import models as m
    from bacaquest_client.api.auth import register, sign_in
    from bacaquest_client.api.challenges import (
        create_challenge,
        get_challenge_progress,
        join_challenge,
        list_challenges,
    )
    from bacaquest_client.api.leaderboards import get_leaderboard
    from bacaquest_client.api.me import get_my_badges, get_my_points, get_my_stats
    from bacaquest_client.api.reading import (
        create_reading_log,
        sync_reading_logs,
    )
    from bacaquest_client.api.share import create_share, get_share_image

    lib = factory.library("palu")
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    staff_token = factory.tokens(factory.staff(lib))["access_token"]
    staff = AuthenticatedClient(base_url=live_url, token=staff_token)
    challenge = create_challenge.sync(
        client=staff,
        body=m.ChallengeCreate(
            title="Tantangan Baca November",
            hashtag="#TantanganBacaNovember",
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2026, 11, 30),
            goal=m.Goal.PAGES,
            target=50,
        ),
    )
    assert isinstance(challenge, m.ChallengePublic), challenge
    assert challenge.status is m.ChallengeStatus.ACTIVE

    # Register and sign in.
    anon = Client(base_url=live_url)
    body = m.RegisterRequest(
        email="sari@example.org",
        password="rahasia-sekali-123",
        display_name="Sari",
        birth_year=2011,
        library="palu",
    )
    registered = register.sync(client=anon, body=body)
    assert isinstance(registered, m.RegisterResponse), registered
    assert registered.member.age_group is m.AgeGroup.TEENS
    form = m.SignInForm(username="sari@example.org", password="rahasia-sekali-123")
    tokens = sign_in.sync(client=anon, body=form)
    assert isinstance(tokens, m.TokenResponse), tokens
    wrong = sign_in.sync(client=anon, body=m.SignInForm(username="sari@example.org", password="x"))
    assert isinstance(wrong, m.ProblemDetails) and wrong.status == 401
    me = AuthenticatedClient(base_url=live_url, token=tokens.access_token)

    # A log with an Idempotency-Key, and its replay: the same log, counted once.
    log = m.ReadingLogCreate(
        book=m.BookCreate(title="Laskar Pelangi", author="Andrea Hirata", genre="novel"),
        pages=30,
        finished=True,
        hashtags=["#TantanganBacaNovember"],
    )
    first = create_reading_log.sync(client=me, body=log, idempotency_key="log-0001")
    assert isinstance(first, m.LogResult), first
    again = create_reading_log.sync(client=me, body=log, idempotency_key="log-0001")
    assert isinstance(again, m.LogResult) and again.log.id == first.log.id
    assert again.totals.total == first.totals.total
    assert first.log.status is m.LogStatus.ACCEPTED
    assert [c.goal for c in first.challenges] == [m.Goal.PAGES]
    assert "Buku Pertama" in [b.name for b in first.badges_earned]

    # The offline queue: two good items and a typo, each with its own result.
    queue = m.BatchRequest(
        items=[
            m.BatchItem(client_id="offline-1", book_id=first.log.book.id, minutes=20),
            m.BatchItem(client_id="offline-2", book_id=first.log.book.id, pages=12),
            m.BatchItem(client_id="offline-3", book_id=first.log.book.id),
        ]
    )
    synced = sync_reading_logs.sync(client=me, body=queue)
    assert isinstance(synced, m.BatchResult), synced
    outcomes = [i.outcome for i in synced.items]
    assert outcomes == [m.BatchItemResultOutcome.ACCEPTED] * 2 + [m.BatchItemResultOutcome.ERROR]
    assert isinstance(synced.items[2].problem, m.ProblemDetails)
    assert synced.items[2].problem.status == 422

    # Points, stats, badges, boards.
    points = get_my_points.sync(client=me)
    assert isinstance(points, m.PointsSummary) and points.total == synced.totals.total > 0
    stats = get_my_stats.sync(client=me)
    assert isinstance(stats, m.MemberStats) and stats.logs == 3
    badges = get_my_badges.sync(client=me)
    assert isinstance(badges, m.MemberBadges)
    assert all(isinstance(b.earned_at, dt.datetime) for b in badges.earned)
    assert all(b.earned_at is None for b in badges.locked)
    board = get_leaderboard.sync(
        client=me, scope=m.BoardScope.LIBRARY, period=m.Period.WEEK, age_group=m.AgeGroup.TEENS
    )
    assert isinstance(board, m.Leaderboard), board
    assert board.me is not None and board.me.rank == 1

    # A share to every platform, and its PNG.
    share = create_share.sync(
        client=me,
        body=m.ShareCreate(
            subject=m.ShareSubject(type_=m.SubjectType.READING_LOG, id=first.log.id),
            platforms=[m.Platform(p) for p in PLATFORMS],
        ),
        idempotency_key="share-0001",
    )
    assert isinstance(share, m.ShareCreated), share
    for platform in PLATFORMS:
        payload = getattr(share.payloads, platform)
        assert isinstance(payload, m.PayloadOut) and payload.platform == m.Platform(platform)
    image = get_share_image.sync(share.id, client=anon, format_=m.CardFormat.STORY)
    png = image.payload.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")

    # Challenges: the running one, joined, its progress.
    running = list_challenges.sync(client=me, status=m.ChallengeStatus.ACTIVE)
    assert isinstance(running, m.PageChallengePublic) and running.next_cursor is None
    assert [c.id for c in running.items] == [challenge.id]
    assert running.items[0].me is not None and running.items[0].me.joined  # by its hashtag
    progress = get_challenge_progress.sync(challenge.id, client=me)
    assert isinstance(progress, m.MyProgress) and progress.current == 42
    again_join = join_challenge.sync_detailed(challenge.id, client=me)
    assert again_join.status_code in (200, 409)
    assert httpx.get(f"{live_url}/readyz").json() == {"status": "ready", "database": "ok"}
