"""The analytics scenario: a month's summary and a 12-month series on the leaderboard's data.

Seeds what the leaderboard scenario seeds (one library, 1,000,000 members and
10,000,000 logs on PostgreSQL; 100,000 and 1,000,000 on SQLite; `--members N` for ten
logs each of N members), gives the members one of 40 schools, builds the analytics
rollups from the logs with the app's own recount (`python -m app analytics rebuild`),
written in bulk, and signs in one staff member. Measures, beside the yardstick's primary-key lookup:

- `GET /v1/analytics/summary` for the last whole month;
- `GET /v1/analytics/timeseries?metric=pages&interval=month` over the last 12 months,
  with the previous 12 alongside.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, text

from app.analytics import rebuild
from app.core.clock import local_date
from app.core.db import transaction
from app.core.security import create_access_token
from app.models.library import Library
from app.models.member import Member
from bench.leaderboard import Leaderboards
from bench.loadgen import LOCAL_HOST, RequestFactory
from bench.scenarios import Context, Target, Thresholds, call, now_utc
from bench.seed import analyze, bulk_insert, seed_auth_sessions, seeding_engine

SCHOOLS = 40


class Analytics(Leaderboards):
    name = "analytics"
    description = "GET /v1/analytics summary (a month) and timeseries (12 months) vs a PK lookup"
    thresholds = Thresholds(min_throughput_ratio=0.5, max_p99_ratio=3.0)

    def __init__(self) -> None:
        super().__init__()
        self.staff_token = ""
        self.paths: dict[str, str] = {}
        self.rollups = 0

    def seed(self, ctx: Context) -> None:
        super().seed(ctx)
        engine = seeding_engine(ctx.dbs.app_url)
        now = now_utc()
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE member SET school = 'Sekolah ' || CAST(id % :n AS varchar(8))"
                        " WHERE library_id = :lib"
                    ),
                    {"n": SCHOOLS, "lib": self.library_id},
                )
            with transaction(engine) as session:
                lib = session.get(Library, self.library_id)
                assert lib is not None
                # A staff member of their own (the board's callers are signed in already).
                staff = Member(
                    library_id=lib.id,
                    email="pustakawan@bench.invalid",
                    role="staff",
                    display_name="Pustakawan Bench",
                    birth_year=now.year - 35,
                    created_at=now,
                )
                session.add(staff)
                session.flush()
                staff_id = staff.id or 0
            self.rollups = _build_rollups(engine, self.library_id)
            (session_id,) = seed_auth_sessions(engine, [staff_id], now)
        finally:
            engine.dispose()
        ctx.log(f"  analytics: {self.rollups:,} rollup rows built from the logs")
        self.staff_token = create_access_token(
            ctx.settings, now, member_id=staff_id, session_id=session_id
        )
        today = local_date(now, "Asia/Jakarta")
        month = today.replace(day=1)
        year_ago = date(month.year - 1, month.month, 1)
        # The last whole month (the logs cover the last two months): every day has data.
        last_end = month - timedelta(days=1)
        last_start = last_end.replace(day=1)
        self.paths = {
            "summary": f"/v1/analytics/summary?start={last_start}&end={last_end}",
            "timeseries": (
                f"/v1/analytics/timeseries?metric=pages&interval=month&start={year_ago}&end={today}"
            ),
        }

    def _staff_factory(self, port: int, path: str) -> RequestFactory:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n"
            f"Authorization: Bearer {self.staff_token}\r\n\r\n"
        ).encode()
        return lambda: request

    def app_targets(self, ctx: Context) -> list[Target]:
        auth = [("Authorization", f"Bearer {self.staff_token}")]
        for name, path in self.paths.items():
            r = call(ctx.app_port, "GET", path, headers=auth)
            if r.status != 200:
                raise RuntimeError(f"{name} answered {r.status}: {r.body[:300]!r}")
            body = json.loads(r.body)
            figure = body.get("pages", body.get("total"))
            ctx.log(f"  check: {name} pages {figure:,}")
        return [
            Target(
                "GET /v1/analytics/summary (last month)",
                self._staff_factory(ctx.app_port, self.paths["summary"]),
                200,
            ),
            Target(
                "GET /v1/analytics/timeseries (12 months by month)",
                self._staff_factory(ctx.app_port, self.paths["timeseries"]),
                200,
            ),
        ]

    def facts(self, ctx: Context) -> dict[str, Any]:
        out = super().facts(ctx)
        out["rollup_rows"] = self.rollups
        return out


def _build_rollups(engine: Engine, library_id: int) -> int:
    """The library's rollups as `python -m app analytics rebuild` recounts them from the
    logs, the ledger and the members, written with the bench's bulk insert (the rebuild's
    ORM inserts take most of a large seed's time); the rows written."""
    with transaction(engine) as session:
        lib = session.get(Library, library_id)
        assert lib is not None
        want = rebuild.recount(session, lib)
    written = 0
    for model, rows in rebuild.rollup_rows(want, library_id):
        if rows:
            columns = list(rows[0])
            written += bulk_insert(
                engine, model.__table__, columns, ([r[c] for c in columns] for r in rows)
            )
        analyze(engine, model.__table__)
    return written
