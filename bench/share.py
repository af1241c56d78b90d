"""The viral-share scenario: one share's page and card fetched by a crowd at once.

Seeds a library of `--members` members (2,000 by default) and, through the API before
the window, one member's share of a finished book. Measures, beside the yardstick's
primary-key lookup (`GET /bare/members/{id}` over as many rows as members):

- `GET /s/{code}` by visitors with 1,000 different user agents, half of them coming
  from WhatsApp (`utm_source`), a few of them link-preview crawlers: every one a view
  to count (in memory, written in batches), none holding the page yet;
- `GET /v1/share/{code}/image?format=og` by phones and previewers that hold no copy;
- the same card asked again with `If-None-Match` (a phone showing it a second time):
  304 without the image.

After the load the report gives what the database counted once the app stopped (it
writes what is left at shutdown): views, visitors and crawler visits, in a handful of
`share_tally` rows whatever the number of views.
"""

from __future__ import annotations

import json
import random
from typing import Any

from sqlalchemy import Table, text
from sqlmodel import SQLModel

from bench.bare_app import BareMember
from bench.loadgen import LOCAL_HOST, RequestFactory
from bench.scenarios import Context, Target, Thresholds, call
from bench.seed import analyze, bulk_insert, seeding_engine

AGENTS = 1_000
CRAWLERS = ("WhatsApp/2.23.20.0", "facebookexternalhit/1.1", "TelegramBot (like TwitterBot)")


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class ViralShare:
    name = "share"
    description = "GET /s/{code} and its og card by a crowd vs a primary-key lookup"
    thresholds = Thresholds(min_throughput_ratio=0.5, max_p99_ratio=3.0)

    def __init__(self) -> None:
        from bench.scenarios import ReadingLogs

        self.readers = ReadingLogs()
        self.code = ""
        self.etag = ""
        self.pages_served = 0

    def seed(self, ctx: Context) -> None:
        self.readers.seed(ctx)
        bare = seeding_engine(ctx.dbs.bare_url)
        try:
            SQLModel.metadata.create_all(bare, tables=[_table(BareMember)])
            bulk_insert(
                bare,
                _table(BareMember),
                ("id", "display_name", "points"),
                ((n, f"Pembaca {n}", n % 997) for n in range(1, ctx.options.members + 1)),
            )
            analyze(bare, _table(BareMember))
        finally:
            bare.dispose()

    def _share(self, ctx: Context) -> None:
        token = self.readers.readers[0].token
        auth = [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")]
        body = {"book": {"title": "Laskar Pelangi", "genre": "novel"}, "pages": 60}
        logged = call(
            ctx.app_port,
            "POST",
            "/v1/reading-logs",
            headers=auth,
            body=json.dumps({**body, "minutes": 45, "finished": True}).encode(),
        )
        if logged.status != 201:
            raise RuntimeError(f"log answered {logged.status}: {logged.body[:300]!r}")
        log_id = json.loads(logged.body)["log"]["id"]
        subject = {"type": "reading_log", "id": log_id}
        made = call(
            ctx.app_port,
            "POST",
            "/v1/share",
            headers=auth,
            body=json.dumps({"subject": subject, "platforms": ["whatsapp", "x"]}).encode(),
        )
        if made.status != 201:
            raise RuntimeError(f"share answered {made.status}: {made.body[:300]!r}")
        self.code = json.loads(made.body)["id"]
        card = call(ctx.app_port, "GET", f"/v1/share/{self.code}/image?format=og")
        etag = card.header("etag") or ""
        if card.status != 200 or not etag:
            raise RuntimeError(f"card answered {card.status} without an ETag")
        self.etag = etag
        ctx.log(f"  share {self.code}: og card of {len(card.body):,} bytes, ETag {etag}")

    def _factory(
        self, port: int, path: str, extra: str = "", agents: bool = True
    ) -> RequestFactory:
        rnd = random.Random(5)
        requests = []
        for n in range(AGENTS if agents else 1):
            if n % 50 == 0:
                agent = CRAWLERS[n % len(CRAWLERS)]
            else:
                agent = f"Mozilla/5.0 (Linux; Android {10 + n % 5}; HP-{n}) Chrome/131.0 Mobile"
            where = "?utm_source=whatsapp" if n % 2 and "?" not in path else ""
            requests.append(
                (
                    f"GET {path}{where} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n"
                    f"User-Agent: {agent}\r\n{extra}\r\n"
                ).encode()
            )
        choice = rnd.choice
        return lambda: choice(requests)

    def app_targets(self, ctx: Context) -> list[Target]:
        self._share(ctx)
        port = ctx.app_port
        card = f"/v1/share/{self.code}/image?format=og"
        return [
            Target(
                f"GET /s/{{code}} ({AGENTS} visitors)", self._factory(port, f"/s/{self.code}"), 200
            ),
            Target("GET og card", self._factory(port, card), 200),
            Target(
                "GET og card, If-None-Match",
                self._factory(port, card, f"If-None-Match: {self.etag}\r\n"),
                304,
            ),
        ]

    def bare_target(self, ctx: Context) -> Target:
        rnd = random.Random(3)
        port, top = ctx.bare_port, ctx.options.members
        head = f" HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n\r\n"
        requests = [f"GET /bare/members/{rnd.randint(1, top)}{head}".encode() for _ in range(4096)]
        choice = random.Random(4).choice
        return Target("bare: GET /bare/members/{id}", lambda: choice(requests), 200)

    def facts(self, ctx: Context) -> dict[str, Any]:
        """What the database counted: views, visitors, crawler visits, and table sizes."""
        engine = seeding_engine(ctx.dbs.app_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT kind, SUM(count), COUNT(*) FROM share_tally GROUP BY kind")
                ).all()
                visitors = conn.execute(text("SELECT COUNT(*) FROM share_visitor")).scalar_one()
        finally:
            engine.dispose()
        counted = {str(k): int(n) for k, n, _ in rows}
        return {
            "share_tally": counted,
            "share_tally_rows": sum(int(r) for _, _, r in rows),
            "share_visitor_rows": int(visitors),
        }
