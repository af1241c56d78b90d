"""The benchmark scenarios, by name: what each seeds, and what it asks of the app and the yardstick.

A scenario is made fresh for each engine. `bench.run` calls, in order:

1. `seed(ctx)`: the databases are fresh (app migrated, yardstick empty); no
   server is running yet, so bulk loading has the machine to itself.
2. `app_targets(ctx)`: the app's server is up on `ctx.app_port`; the scenario
   may prepare through the API (books, say) and returns what to measure.
3. `bare_target(ctx)`: the yardstick's server is up on `ctx.bare_port`.
4. `facts(ctx)`: after the load, what the app's database says (for the report).

Each app target is then compared with the bare target against the scenario's
thresholds. To add one (the leaderboard scenario: a seeded set of members and
logs with `bench.seed.bulk_insert`, GET /v1/leaderboards top-10 and a
mid-ranked member's own rank against a primary-key lookup on the yardstick),
write a class with these methods and add it to SCENARIOS.
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from bench.loadgen import LOCAL_HOST, RequestFactory, Response, fetch, run_async
from bench.seed import (
    Databases,
    EngineName,
    Reader,
    seed_catalogue,
    seed_readers,
    seeding_engine,
)


@dataclass(frozen=True)
class Thresholds:
    min_throughput_ratio: float  # app req/s over bare req/s
    max_p99_ratio: float  # app p99 over bare p99


@dataclass(frozen=True)
class Target:
    """One thing to measure: a label, a request factory and the status success means."""

    label: str
    make_request: RequestFactory
    expected_status: int
    note: str | None = None


@dataclass
class Options:
    members: int = 2000
    books: int = 50
    inline_book_ratio: float = 0.1
    idempotency_keys: bool = True
    # reading: the library has the demo badges and this month's challenge, and some logs
    # carry its hashtag or finish a book (as members' logs do); False: a bare library
    catalogue: bool = True
    hashtag_ratio: float = 0.3
    finished_ratio: float = 0.1
    target: str | None = None  # "METHOD /path" overriding the reading scenario's app target
    redis_url: str | None = None  # what the app's server gets as REDIS_URL (--redis-url)


@dataclass
class Context:
    engine: EngineName
    dbs: Databases
    settings: Settings  # what the app's server runs with (same secret: tokens verify)
    options: Options
    rnd: random.Random
    app_port: int = 0
    bare_port: int = 0
    log: Callable[[str], None] = print
    notes: list[str] = field(default_factory=list)  # what the report must say


class Scenario(Protocol):
    name: str
    description: str
    thresholds: Thresholds

    def seed(self, ctx: Context) -> None: ...

    def app_targets(self, ctx: Context) -> list[Target]: ...

    def bare_target(self, ctx: Context) -> Target: ...

    def facts(self, ctx: Context) -> dict[str, Any]:
        """What the app's database says after the load (servers stopped), for the report."""
        ...


def now_utc() -> datetime:
    return datetime.now(UTC)


def call(port: int, method: str, path: str, **kw: Any) -> Response:
    """A single request during setup (not measured)."""
    return run_async(fetch(port, method, path, **kw))


def app_routes(port: int) -> set[tuple[str, str]]:
    """(METHOD, path) pairs the running app declares in its OpenAPI document."""
    response = call(port, "GET", "/openapi.json")
    if response.status != 200:
        return set()
    paths: dict[str, dict[str, Any]] = json.loads(response.body).get("paths", {})
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


# -- reading logs ---------------------------------------------------------------------

READING_PATH = "/v1/reading-logs"
FALLBACK = ("GET", "/v1/me")
BARE_PATH = "/bare/logs"


def isbn13(n: int) -> str:
    """A valid ISBN-13 in the Indonesian range (978-602-...)."""
    digits = f"978602{n:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def book_payload(n: int) -> dict[str, str]:
    return {
        "title": f"Buku Bench {n}",
        "author": f"Penulis {n % 17 + 1}",
        "isbn": isbn13(n),
        "genre": "novel",
    }


def _find_book_id(data: Any) -> int | None:
    """The book's id in a reading-log response, wherever its shape puts it."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("book_id"), int):
        return int(data["book_id"])
    book = data.get("book")
    if isinstance(book, dict) and isinstance(book.get("id"), int):
        return int(book["id"])
    for value in data.values():
        if isinstance(value, dict) and (found := _find_book_id(value)) is not None:
            return found
    return None


class ReadingLogs:
    """POST /v1/reading-logs by random members, against a sync one-row insert."""

    name = "reading"
    description = "log reading: POST /v1/reading-logs vs a one-row insert"
    thresholds = Thresholds(min_throughput_ratio=0.6, max_p99_ratio=3.0)

    def __init__(self) -> None:
        self.readers: list[Reader] = []
        self.book_ids: list[int] = []
        self.run_id = secrets.token_hex(4)
        self.hashtag: str | None = None

    def seed(self, ctx: Context) -> None:
        engine = seeding_engine(ctx.dbs.app_url)
        try:
            now = now_utc()
            self.readers = seed_readers(engine, ctx.settings, ctx.options.members, now, ctx.rnd)
            ctx.log(f"  seeded {len(self.readers)} members, each signed in once")
            if ctx.options.catalogue:
                self.hashtag = seed_catalogue(engine, self.readers[0].member_id, now)
                ctx.log(f"  the library has the demo badges and the challenge {self.hashtag}")
        finally:
            engine.dispose()

    def _target_route(self, ctx: Context) -> tuple[str, str]:
        if ctx.options.target:
            method, _, path = ctx.options.target.partition(" ")
            if (method.upper(), path.strip()) != ("POST", READING_PATH):
                ctx.notes.append(f"--target {ctx.options.target}: not POST {READING_PATH}")
            return method.upper(), path.strip()
        if ("POST", READING_PATH) in app_routes(ctx.app_port):
            return "POST", READING_PATH
        ctx.notes.append(
            f"POST {READING_PATH} is not in the app yet: measured {' '.join(FALLBACK)} instead"
        )
        ctx.log(f"  !! POST {READING_PATH} does not exist yet; measuring {' '.join(FALLBACK)}")
        return FALLBACK

    def _create_books(self, ctx: Context, method: str, path: str) -> None:
        """Log once with each book inline, keeping the ids the API gives them."""
        failures: list[str] = []
        for n in range(1, ctx.options.books + 1):
            reader = self.readers[n % len(self.readers)]
            body = {"book": book_payload(n), "pages": 10, "minutes": 15, "finished": False}
            response = call(
                ctx.app_port,
                method,
                path,
                headers=[("Authorization", f"Bearer {reader.token}")],
                body=json.dumps(body).encode(),
            )
            if not 200 <= response.status < 300:
                failures.append(f"{response.status} {response.body[:300]!r}")
                continue
            book_id = _find_book_id(json.loads(response.body or b"null"))
            if book_id is not None and book_id not in self.book_ids:
                self.book_ids.append(book_id)
        if failures:
            ctx.notes.append(f"{len(failures)} book-creating logs failed, first: {failures[0]}")
            ctx.log(f"  !! {len(failures)} book-creating logs failed; first: {failures[0]}")
        if self.book_ids:
            ctx.log(f"  created {len(self.book_ids)} books through the API")
        else:
            ctx.notes.append("no book id found in reading-log responses: every log sends its book")
            ctx.log("  !! no book id in the responses; every log will send its book inline")

    def app_targets(self, ctx: Context) -> list[Target]:
        method, path = self._target_route(ctx)
        if method == "POST":
            self._create_books(ctx, method, path)
            factory = self._log_factory(ctx, ctx.app_port, path)
        else:
            factory = self._plain_factory(ctx.app_port, method, path)
        note = None if (method, path) == ("POST", READING_PATH) else "not the reading-log endpoint"
        return [Target(f"{method} {path}", factory, 201 if method == "POST" else 200, note)]

    def bare_target(self, ctx: Context) -> Target:
        factory = self._log_factory(ctx, ctx.bare_port, BARE_PATH)
        return Target(f"bare: POST {BARE_PATH}", factory, 201)

    def facts(self, ctx: Context) -> dict[str, Any]:
        """How the logs fared: accepted, or held for review (caps, too fast)."""
        engine = seeding_engine(ctx.dbs.app_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT status, COUNT(*) FROM reading_log GROUP BY status")
                ).all()
        except SQLAlchemyError as exc:
            return {"reading_log_status": f"unavailable: {type(exc).__name__}"}
        finally:
            engine.dispose()
        counts = {str(status): int(n) for status, n in rows}
        total = sum(counts.values())
        if total and counts.get("accepted", 0) < 0.9 * total:
            ctx.notes.append(f"only {counts.get('accepted', 0)} of {total} logs were accepted")
        return {"reading_log_status": counts}

    def _plain_factory(self, port: int, method: str, path: str) -> RequestFactory:
        requests = [
            (
                f"{method} {path} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n"
                f"Authorization: Bearer {r.token}\r\n\r\n"
            ).encode()
            for r in self.readers
        ]
        choice = random.Random(1).choice
        return lambda: choice(requests)

    def _log_factory(self, ctx: Context, port: int, path: str) -> RequestFactory:
        """Random member, modest pages and minutes, a book by id (sometimes inline)."""
        heads = [
            (
                f"POST {path} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n"
                f"Authorization: Bearer {r.token}\r\nContent-Type: application/json\r\n"
            ).encode()
            for r in self.readers
        ]
        book_ids: Sequence[int] = self.book_ids
        inline = [
            json.dumps(book_payload(n), separators=(",", ":")).encode()
            for n in range(1, ctx.options.books + 1)
        ]
        inline_ratio = ctx.options.inline_book_ratio if book_ids else 1.0
        keys = itertools.count(1)
        # Each factory its own keys: a second load through the same port (the cluster
        # bench's rounds) must not reuse a key with another body (a 422 by design).
        idem_prefix = (
            f"bench-{self.run_id}-{port}-{secrets.token_hex(4)}-".encode()
            if ctx.options.idempotency_keys
            else b""
        )
        rnd = random.Random(ctx.rnd.random())
        randint, rand, choice = rnd.randint, rnd.random, rnd.choice

        tagged = b',"hashtags":["%s"]' % self.hashtag.encode() if self.hashtag else b""
        tag_ratio = ctx.options.hashtag_ratio if self.hashtag else 0.0
        finished_ratio = ctx.options.finished_ratio

        def make() -> bytes:
            minutes = randint(10, 60)
            # At most 2 pages a minute: well inside the plausibility rule (3/min).
            pages = randint(5, min(40, 2 * minutes))
            extra = b'%s,"finished":%s' % (
                tagged if rand() < tag_ratio else b"",
                b"true" if rand() < finished_ratio else b"false",
            )
            if rand() < inline_ratio:
                body = b'{"book":%s,"pages":%d,"minutes":%d%s}' % (
                    choice(inline),
                    pages,
                    minutes,
                    extra,
                )
            else:
                body = b'{"book_id":%d,"pages":%d,"minutes":%d%s}' % (
                    choice(book_ids),
                    pages,
                    minutes,
                    extra,
                )
            idem = b"Idempotency-Key: %s%d\r\n" % (idem_prefix, next(keys)) if idem_prefix else b""
            return b"%s%sContent-Length: %d\r\n\r\n%s" % (choice(heads), idem, len(body), body)

        return make


def _leaderboards() -> Scenario:
    from bench.leaderboard import Leaderboards  # imported late: it imports this module

    return Leaderboards()


def _analytics() -> Scenario:
    from bench.analytics import Analytics  # imported late: it imports this module

    return Analytics()


def _share() -> Scenario:
    from bench.share import ViralShare  # imported late: it imports this module

    return ViralShare()


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    ReadingLogs.name: ReadingLogs,
    "share": _share,
    "leaderboard": _leaderboards,
    "analytics": _analytics,
}


def scenario_names() -> list[str]:
    return list(SCENARIOS)


__all__ = [
    "SCENARIOS",
    "Context",
    "Options",
    "Scenario",
    "Target",
    "Thresholds",
]
