"""The offline batch: what a batch of 100 logs costs against one log.

    .venv/bin/python -m bench.batch [--engines sqlite,postgresql] [--rounds 5] [--size 100]

A week of offline reading from a child's phone arrives as one
`POST /v1/reading-logs/batch`. On each engine this seeds what the reading scenario
seeds (members signed in, the demo badges, this month's challenge, books made through
the API), starts one app process and sends, one request at a time (no other load, so
the figure is the cost of the work, not of queueing):

- `--singles` single logs (`POST /v1/reading-logs`, each with its own
  `Idempotency-Key`), by random members;
- `--rounds` batches of `--size` items, each by a member who has not logged yet, its
  items spread over the last seven days (a week offline), each with its own `client_id`.

It reports the median latency of each and their ratio: the batch's cost in single logs.
The target is at most 10 (a batch of 100 costs at most ten logs). Every item must come
back accepted or held for review (never an error), and `python -m app ledger verify`
must be clean afterwards. Exit status 1 on a failed request or item, or an unclean
ledger; 2 with `--strict` when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

from bench.loadgen import fetch, run_async
from bench.run import ROOT, Server, server_env
from bench.scenarios import Context, Options, ReadingLogs, now_utc
from bench.seed import (
    DEFAULT_PG_URL,
    EngineName,
    bench_settings,
    fresh_databases,
    postgres_unreachable,
)

TARGET_RATIO = 10.0


def _timed(port: int, path: str, token: str, body: bytes, key: str | None) -> tuple[float, Any]:
    headers = [("Authorization", f"Bearer {token}")]
    if key:
        headers.append(("Idempotency-Key", key))
    started = time.perf_counter()
    response = run_async(fetch(port, "POST", path, headers=headers, body=body, timeout=120))
    elapsed = (time.perf_counter() - started) * 1000
    if response.status not in (200, 201):
        raise RuntimeError(f"{path}: {response.status} {response.body[:300]!r}")
    return elapsed, json.loads(response.body)


def _item(rnd: random.Random, book_ids: Sequence[int], n: int, read_on: str) -> dict[str, Any]:
    minutes = rnd.randint(5, 20)
    return {
        "client_id": f"offline-{n}",
        "book_id": rnd.choice(book_ids),
        "pages": rnd.randint(2, min(12, 2 * minutes)),
        "minutes": minutes,
        "read_on": read_on,
        "finished": rnd.random() < 0.05,
    }


def run_engine(engine: EngineName, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    dbs = fresh_databases(engine, pg_url=args.pg_url)
    secret = secrets.token_urlsafe(48)
    members = args.singles + args.rounds + 10
    ctx = Context(
        engine=engine,
        dbs=dbs,
        settings=bench_settings(dbs.app_url, secret),
        options=Options(members=members),
        rnd=random.Random(11),
        log=print,
    )
    scenario = ReadingLogs()
    record: dict[str, Any] = {"engine": engine}
    try:
        print(f"== {engine}: seeding {members} members")
        scenario.seed(ctx)
        env = server_env(
            {
                "DATABASE_URL": dbs.app_url,
                "SECRET_KEY": secret,
                "ENVIRONMENT": "development",
                "ACCESS_TOKEN_MINUTES": "60",
                "JWT_ISSUER": ctx.settings.jwt_issuer,
                "JWT_AUDIENCE": ctx.settings.jwt_audience,
            },
            None,
        )
        with Server(f"batch-{engine}", "app.main:create_app", env, work) as server:
            server.wait_healthy()
            ctx.app_port = server.port
            scenario.app_targets(ctx)  # the books, through the API
            books = scenario.book_ids
            rnd = random.Random(5)
            readers = list(scenario.readers)
            rnd.shuffle(readers)
            single_readers, batch_readers = readers[: args.singles], readers[args.singles :]
            today = now_utc().date()
            singles: list[float] = []
            batches: list[float] = []
            outcomes: dict[str, int] = {}
            # Warm both paths once (imports, caches), not measured.
            for reader in single_readers[:3]:
                item = _item(rnd, books, 0, today.isoformat())
                del item["client_id"]
                _timed(
                    server.port, "/v1/reading-logs", reader.token, json.dumps(item).encode(), None
                )
            warm = batch_readers.pop()
            days = [(today - timedelta(days=d)).isoformat() for d in range(7)]
            body = {"items": [_item(rnd, books, n, days[n % 7]) for n in range(args.size)]}
            _timed(
                server.port, "/v1/reading-logs/batch", warm.token, json.dumps(body).encode(), None
            )
            # Alternate: a few singles, then a batch, so a busy spell hits both.
            per_round = max(1, args.singles // args.rounds)
            queue = iter(single_readers[3:])
            for r in range(args.rounds):
                for reader in [x for _, x in zip(range(per_round), queue, strict=False)]:
                    item = _item(rnd, books, 0, today.isoformat())
                    del item["client_id"]
                    ms, _ = _timed(
                        server.port,
                        "/v1/reading-logs",
                        reader.token,
                        json.dumps(item).encode(),
                        f"bench-{secrets.token_hex(6)}",
                    )
                    singles.append(ms)
                reader = batch_readers[r]
                items = [_item(rnd, books, n, days[n % 7]) for n in range(args.size)]
                ms, answer = _timed(
                    server.port,
                    "/v1/reading-logs/batch",
                    reader.token,
                    json.dumps({"items": items}).encode(),
                    None,
                )
                batches.append(ms)
                for result in answer["items"]:
                    outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
                print(f"   round {r + 1}: batch of {args.size} {ms:7.1f} ms")
        one, many = median(singles), median(batches)
        ratio = many / one
        record.update(
            single_ms={"median": one, "all": singles},
            batch_ms={"median": many, "all": batches},
            batch_size=args.size,
            ratio=ratio,
            item_outcomes=outcomes,
            met=ratio <= TARGET_RATIO,
        )
        verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
        print(
            f"== {engine}: one log {one:.1f} ms, a batch of {args.size} {many:.1f} ms: "
            f"{ratio:.1f}x one log (<= {TARGET_RATIO:g}x: {verdict}); items {outcomes}"
        )
        verify = subprocess.run(
            [sys.executable, "-m", "app", "ledger", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        record["ledger_verify"] = {"rc": verify.returncode, "out": verify.stdout[-800:]}
        print(f"== ledger verify: rc {verify.returncode}")
    finally:
        dbs.cleanup()
    return record


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__)
    p.add_argument("--engines", default="sqlite,postgresql")
    p.add_argument("--rounds", type=int, default=5, help="batches measured")
    p.add_argument("--singles", type=int, default=60, help="single logs measured")
    p.add_argument("--size", type=int, default=100, help="items in a batch (at most 100)")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--strict", action="store_true")
    args = p.parse_args(argv)
    if not 1 <= args.size <= 100 or args.rounds < 1 or args.singles < args.rounds:
        p.error("--size 1..100, --rounds >= 1, --singles >= --rounds")
    engines: list[EngineName] = []
    for name in args.engines.split(","):
        if name not in ("sqlite", "postgresql"):
            p.error(f"unknown engine {name!r}")
        if name == "postgresql" and (why := postgres_unreachable(args.pg_url)):
            print(f"!! PostgreSQL skipped: {why}")
            continue
        engines.append("sqlite" if name == "sqlite" else "postgresql")
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    records = [run_engine(engine, args, work) for engine in engines]
    out = (
        ROOT / "bench" / "results" / f"batch-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"load_average_before": load_before, "load_average_after": os.getloadavg()[0]}
    out.write_text(json.dumps({**record, "engines": records}, indent=2, default=str))
    print(f"results: {out}; load average {load_before:.1f} -> {record['load_average_after']:.1f}")
    failed = [
        r["engine"]
        for r in records
        if r["ledger_verify"]["rc"] != 0 or r["item_outcomes"].get("error")
    ]
    if failed:
        print(f"FAILED (an item refused or the ledger unclean) on {', '.join(failed)}")
        return 1
    if args.strict and not all(r["met"] for r in records):
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
