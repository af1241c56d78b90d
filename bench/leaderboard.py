"""The leaderboard scenario: a big library's board, top-10 and a mid-ranked member's own rank.

Seeds (COPY on PostgreSQL) one library with 1,000,000 members and 10,000,000 accepted
reading logs with their ledger rows (100,000 and 1,000,000 on SQLite; `--members N`
overrides, with ten logs a member), and the board counters those logs make, as the app
keeps them. With `--redis-url`, the library's Redis index is built from the counters
before the servers start, as `python -m app leaderboard rebuild` would.

Measures, side by side with the yardstick's primary-key lookup (`GET /bare/members/{id}`
over a table of as many rows):

- `GET /v1/leaderboards?period=all_time&limit=10` as random members: the top 10;
- `GET /v1/leaderboards?period=all_time&limit=1` as members ranked in the middle of the
  board: their own rank, about half a million members down on PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, text
from sqlmodel import SQLModel

from app.core.clock import local_date
from app.core.security import create_access_token
from app.leaderboards import keys, ranks
from app.leaderboards.rebuild import rebuild
from app.leaderboards.redis_index import RedisIndex
from app.leaderboards.redis_setup import namespace_for
from app.models.book import Book
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry, ReadingLog
from bench.bare_app import BareMember
from bench.loadgen import LOCAL_HOST, RequestFactory
from bench.scenarios import Context, Target, Thresholds, call, now_utc
from bench.seed import (
    BENCH_LIBRARY,
    analyze,
    bulk_insert,
    seed_auth_sessions,
    seed_library,
    seed_members,
    seeding_engine,
)

MEMBERS = {"postgresql": 1_000_000, "sqlite": 100_000}
LOGS_PER_MEMBER = 10
BOOKS = 1_000
CALLERS = 2_000  # random members signed in for the top-10 target
MIDDLE = 200  # members around the median rank, signed in for the own-rank target
DAYS = 60  # logs are spread over the last two months
PATH_TOP = "/v1/leaderboards?period=all_time&limit=10"
PATH_MINE = "/v1/leaderboards?period=all_time&limit=1"
DEFAULT_MEMBERS_OPTION = 2000  # `--members` left at the reading scenario's default


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


class Leaderboards:
    name = "leaderboard"
    description = "GET /v1/leaderboards top-10 and a mid-ranked own rank vs a primary-key lookup"
    thresholds = Thresholds(min_throughput_ratio=0.5, max_p99_ratio=3.0)

    def __init__(self) -> None:
        self.callers: list[str] = []
        self.middle: list[str] = []
        self.middle_rank = 0
        self.ranked = 0
        self.member_count = 0
        self.library_id = 0
        self.index: RedisIndex | None = None
        self.kids: set[int] = set()
        self.opted_out: set[int] = set()

    # -- seed ----------------------------------------------------------------------------

    def seed(self, ctx: Context) -> None:
        members = MEMBERS[ctx.engine]
        if ctx.options.members != DEFAULT_MEMBERS_OPTION:
            members = ctx.options.members
        self.member_count = members
        engine = seeding_engine(ctx.dbs.app_url)
        try:
            self._seed_app(ctx, engine, members)
        finally:
            engine.dispose()
        bare = seeding_engine(ctx.dbs.bare_url)
        try:
            SQLModel.metadata.create_all(bare, tables=[_table(BareMember)])
            bulk_insert(
                bare,
                _table(BareMember),
                ("id", "display_name", "points"),
                ((n, f"Pembaca {n}", n % 997) for n in range(1, members + 1)),
            )
            analyze(bare, _table(BareMember))
        finally:
            bare.dispose()
        ctx.log(f"  yardstick: {members:,} rows to look up by primary key")

    def _seed_app(self, ctx: Context, engine: Engine, members: int) -> None:
        now = now_utc()
        rnd = ctx.rnd
        self.library_id = seed_library(engine, now)
        ids = seed_members(engine, self.library_id, members, now, rnd)
        self._kinds(engine, ids, now.year)
        ctx.log(
            f"  seeded {len(ids):,} members ({len(self.kids):,} children, "
            f"{len(self.opted_out):,} opted out)"
        )
        bulk_insert(
            engine,
            _table(Book),
            ("id", "title", "author", "search_key", "created_at"),
            (
                (n, f"Buku Bench {n}", f"Penulis {n % 17}", f"buku bench {n}", now)
                for n in range(1, BOOKS + 1)
            ),
        )
        today = local_date(now, "Asia/Jakarta")
        days = [today - timedelta(days=d) for d in range(DAYS)]
        all_time = [0] * len(ids)
        week: dict[int, int] = {}
        month: dict[int, int] = {}
        week_board = keys.library_board(self.library_id, "week", today)
        month_board = keys.library_board(self.library_id, "month", today)
        logs_total = members * LOGS_PER_MEMBER
        # (log, member index, day, pages): the same draw makes the logs and the ledger.
        plan_rnd = random.Random(rnd.random())
        plan = [
            (plan_rnd.randrange(len(ids)), plan_rnd.choice(days), plan_rnd.randint(5, 60))
            for _ in range(logs_total)
        ]
        this_week = {d for d in days if keys.week_start(d) == keys.week_start(today)}
        this_month = {d for d in days if (d.year, d.month) == (today.year, today.month)}
        for i, day, pages in plan:
            all_time[i] += pages
            if day in this_week:
                week[i] = week.get(i, 0) + pages
            if day in this_month:
                month[i] = month.get(i, 0) + pages
        empty: list[Any] = []
        lib = self.library_id

        def logs() -> Iterable[tuple[Any, ...]]:
            for n, (i, day, pages) in enumerate(plan, start=1):
                yield (
                    n,
                    ids[i],
                    lib,
                    1 + n % BOOKS,
                    ids[i],
                    pages,
                    day,
                    empty,
                    empty,
                    "accepted",
                    pages,
                    now,
                    now,
                )

        bulk_insert(
            engine,
            _table(ReadingLog),
            (
                "id",
                "member_id",
                "library_id",
                "book_id",
                "logged_by",
                "pages",
                "read_on",
                "hashtags",
                "review_reasons",
                "status",
                "points",
                "logged_at",
                "counted_at",
            ),
            logs(),
        )
        ctx.log(f"  seeded {logs_total:,} reading logs")
        bulk_insert(
            engine,
            _table(LedgerEntry),
            ("member_id", "library_id", "amount", "rule_code", "log_id", "created_at", "day"),
            (
                (ids[i], lib, pages, "reading.pages", n, now, day)
                for n, (i, day, pages) in enumerate(plan, start=1)
            ),
        )
        plan.clear()  # a billion bytes or so: not needed any more
        ctx.log(f"  seeded {logs_total:,} ledger rows")
        all_board = keys.library_board(lib, "all_time", today)

        def counters() -> Iterable[tuple[str, int, int]]:
            for i, points in enumerate(all_time):
                if points:
                    yield (all_board, ids[i], points)
            for i, points in week.items():
                yield (week_board, ids[i], points)
            for i, points in month.items():
                yield (month_board, ids[i], points)

        n = bulk_insert(engine, _table(BoardScore), ("board", "member_id", "points"), counters())
        with engine.begin() as conn:
            ranks.refill(conn, now.year)  # counted by rank, as a migration would
        self._totals(engine, all_board)
        analyze(
            engine,
            _table(Member),
            _table(ReadingLog),
            _table(LedgerEntry),
            _table(BoardScore),
            _table(Book),
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in ("reading_log", "book"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        ctx.log(f"  seeded {n:,} board counters (all-time, this week, this month)")
        self._sign_in(ctx, engine, ids, all_time, now, rnd)
        self._build_redis(ctx, engine, now)

    def _kinds(self, engine: Engine, ids: list[int], year: int) -> None:
        """Children (one member in twenty, a child of the member before) and opted-out
        members (one in fifty), whom adults' boards leave out."""
        self.kids = {i for i in range(len(ids)) if i % 20 == 19}
        self.opted_out = {i for i in range(len(ids)) if i % 50 == 7}
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE member SET birth_year = :by, guardian_id = :g, email = NULL "
                    "WHERE id = :id"
                ),
                [{"by": year - 10, "g": ids[i - 1], "id": ids[i]} for i in sorted(self.kids)],
            )
            conn.execute(
                text("UPDATE member SET leaderboard_opt_out = true WHERE id = :id"),
                [{"id": ids[i]} for i in sorted(self.opted_out)],
            )

    def _totals(self, engine: Engine, all_board: str) -> None:
        """Members' points_total as the ledger says (ledger verify holds on the data set)."""
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE member m SET points_total = s.points FROM board_score s "
                        "WHERE s.member_id = m.id AND s.board = :b"
                    ),
                    {"b": all_board},
                )
            return
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE member SET points_total = (SELECT points FROM board_score s "
                    "WHERE s.member_id = member.id AND s.board = :b) "
                    "WHERE id IN (SELECT member_id FROM board_score WHERE board = :b)"
                ),
                {"b": all_board},
            )

    def _sign_in(
        self,
        ctx: Context,
        engine: Engine,
        ids: list[int],
        all_time: list[int],
        now: datetime,
        rnd: random.Random,
    ) -> None:
        # What an adult without children sees: no children, nobody opted out.
        guardians = {i - 1 for i in self.kids}
        shown = [
            p
            for i, p in enumerate(all_time)
            if p > 0 and i not in self.kids and i not in self.opted_out
        ]
        ranked = sorted(shown, reverse=True)
        self.ranked = len(ranked)
        median = ranked[len(ranked) // 2]
        self.middle_rank = 1 + sum(1 for p in ranked if p > median)
        # The sets made once: a union per member takes hours at a million members.
        not_plain = self.kids | self.opted_out | guardians
        not_adult = self.kids | guardians
        plain = [i for i, p in enumerate(all_time) if p == median and i not in not_plain]
        middle = [ids[i] for i in plain][:MIDDLE]
        adults = [ids[i] for i in range(len(ids)) if i not in not_adult]
        callers = rnd.sample(adults, min(CALLERS, len(adults)))
        chosen = sorted(set(callers) | set(middle))
        sessions = dict(zip(chosen, seed_auth_sessions(engine, chosen, now), strict=True))
        settings = ctx.settings

        def token(member_id: int) -> str:
            return create_access_token(
                settings, now, member_id=member_id, session_id=sessions[member_id]
            )

        self.callers = [token(m) for m in callers]
        self.middle = [token(m) for m in middle]
        ctx.log(
            f"  {self.ranked:,} members ranked; {len(middle)} share rank "
            f"{self.middle_rank:,} (the middle)"
        )

    def _build_redis(self, ctx: Context, engine: Engine, now: datetime) -> None:
        url = ctx.options.redis_url
        if not url:
            ctx.notes.append(
                "no --redis-url: the database answers (rank counts; the top kept per "
                "process while the board's versions stand)"
            )
            return
        # The namespace the app's server will use (ENVIRONMENT=development).
        self.index = RedisIndex(url, namespace_for(ctx.settings), timeout=30)
        for line in rebuild(engine, self.index, now, slug=BENCH_LIBRARY):
            ctx.log(f"  redis: {line}")

    # -- targets ---------------------------------------------------------------------------

    def _factory(self, port: int, path: str, tokens: list[str]) -> RequestFactory:
        requests = [
            (
                f"GET {path} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n"
                f"Authorization: Bearer {t}\r\n\r\n"
            ).encode()
            for t in tokens
        ]
        choice = random.Random(2).choice
        return lambda: choice(requests)

    def _check(self, ctx: Context) -> None:
        """One request each before the load: right answers, or the figures mean nothing."""
        import json

        top = call(
            ctx.app_port, "GET", PATH_TOP, headers=[("Authorization", f"Bearer {self.callers[0]}")]
        )
        mine = call(
            ctx.app_port, "GET", PATH_MINE, headers=[("Authorization", f"Bearer {self.middle[0]}")]
        )
        if top.status != 200 or mine.status != 200:
            raise RuntimeError(
                f"leaderboard answered {top.status}/{mine.status}: {mine.body[:300]!r}"
            )
        body = json.loads(top.body)
        me = json.loads(mine.body)["me"]
        ctx.log(
            f"  check: top-10 of {body['total_ranked']:,}; middle member ranks "
            f"{me['rank']:,} with {me['points']} points"
        )
        if body["total_ranked"] != self.ranked or me["rank"] != self.middle_rank:
            raise RuntimeError(
                f"wrong board: {body['total_ranked']} ranked (expected {self.ranked}), "
                f"rank {me['rank']} (expected {self.middle_rank})"
            )

    def app_targets(self, ctx: Context) -> list[Target]:
        self._check(ctx)
        return [
            Target(f"GET {PATH_TOP}", self._factory(ctx.app_port, PATH_TOP, self.callers), 200),
            Target(
                "GET own rank (middle, limit=1)",
                self._factory(ctx.app_port, PATH_MINE, self.middle),
                200,
                note=f"rank {self.middle_rank:,} of {self.ranked:,}",
            ),
        ]

    def bare_target(self, ctx: Context) -> Target:
        rnd = random.Random(3)
        port, top = ctx.bare_port, self.member_count
        paths = [
            f"GET /bare/members/{rnd.randint(1, top)} HTTP/1.1\r\nHost: {LOCAL_HOST}:{port}\r\n\r\n"
            for _ in range(4096)
        ]
        requests = [p.encode() for p in paths]
        choice = random.Random(4).choice
        return Target("bare: GET /bare/members/{id}", lambda: choice(requests), 200)

    def facts(self, ctx: Context) -> dict[str, Any]:
        out: dict[str, Any] = {
            "members": self.member_count,
            "logs": self.member_count * LOGS_PER_MEMBER,
            "ranked": self.ranked,
            "middle_rank": self.middle_rank,
            "redis": self.index is not None,
        }
        if self.index is not None:
            # Leave no bench boards behind in the development namespace: the library's
            # keys go, and its boards are marked stale for whatever uses that id next.
            self.index.mark_stale([self.library_id])
            doomed = list(
                self.index.client.scan_iter(
                    match=f"{self.index.namespace}:{self.library_id}:*", count=5_000
                )
            )
            for i in range(0, len(doomed), 5_000):
                self.index.client.unlink(*doomed[i : i + 5_000])
            self.index.close()
        return out
