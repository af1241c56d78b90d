"""Two app instances behind a real load balancer: the reading scenario spread over both.

    .venv/bin/python -m bench.cluster [--duration 10] [--warmup 2] [--members 2000]

On PostgreSQL with Redis (both required), seeds what the reading scenario seeds, starts
two app processes (one uvicorn worker each, the same settings) and nginx (Debian's
`nginx-light`, installed with apt-get when missing) with two front ports: one sends
every request to the first instance, the other spreads them over both (least
connections, keep-alive to the upstreams). The same POST /v1/reading-logs load goes
through the one-instance port and the two-instance port in turn, and the run reports
for each: throughput, latency, failures, and the app servers' CPU per log (the sum over
both processes: on two cores throughput alone cannot show the scaling, CPU per request
can).

Two kinds of rounds. Saturated: 32 connections as fast as they are answered, which gives
one instance's capacity; on a two-core machine that also sets two app processes, the
database, Redis, nginx and the load generator fighting for the same two cores, so the
CPU each request costs grows with the contention, not with anything a second instance
does. Paced: both set-ups are offered the same rate (`--paced-share` of one instance's
saturated throughput, 60% by default), evenly spaced, so each process has a core when
it needs one; the CPU per log of these rounds is what the 10% rule is checked on, and
the saturated ratio is reported beside it.

After the load it runs `python -m app ledger verify` and checks that every log
acknowledged with 201 is in the database. Exit status 1 on any failed request, a ledger
that does not verify, a missing log, or a paced CPU per log more than 10% above one
instance's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import text

from bench.loadgen import LoadResult, run_async, run_load
from bench.run import ROOT, Server, free_port, server_env
from bench.scenarios import Context, Options, ReadingLogs
from bench.seed import DEFAULT_PG_URL, bench_settings, fresh_postgres, seeding_engine

NGINX = "/usr/sbin/nginx"
CPU_TOLERANCE = 1.10


def ensure_nginx() -> str:
    if not Path(NGINX).exists():
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx-light"],
            check=False,
            capture_output=True,
        )
    if not Path(NGINX).exists():
        raise SystemExit("nginx is not installed and apt-get could not install nginx-light")
    return NGINX


def nginx_conf(prefix: Path, one: int, both: int, ports: Sequence[int]) -> str:
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=0;\n" for p in ports)
    return f"""worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  upstream one {{
    server 127.0.0.1:{ports[0]} max_fails=0;
    keepalive 64;
  }}
  upstream both {{
    least_conn;
{servers}    keepalive 64;
  }}
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $remote_addr;
  # A log is written once: never replay a POST on the other instance.
  proxy_next_upstream off;
  proxy_read_timeout 60s;
  server {{ listen 127.0.0.1:{one}; location / {{ proxy_pass http://one; }} }}
  server {{ listen 127.0.0.1:{both}; location / {{ proxy_pass http://both; }} }}
}}
"""


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3, help="one and two instances alternately")
    p.add_argument("--pool-size", type=int, default=32)
    p.add_argument(
        "--paced-share",
        type=float,
        default=0.6,
        help="paced rounds offer this share of one instance's saturated throughput",
    )
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = p.parse_args(argv)
    nginx = ensure_nginx()
    load_before = os.getloadavg()[0]
    dbs = fresh_postgres(args.pg_url)
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    secret = secrets.token_urlsafe(48)
    settings = bench_settings(dbs.app_url, secret)
    ctx = Context(
        engine="postgresql",
        dbs=dbs,
        settings=settings,
        options=Options(members=args.members, redis_url=args.redis_url),
        rnd=random.Random(7),
        log=print,
    )
    scenario = ReadingLogs()
    record: dict[str, Any] = {"load_average_before": load_before, "results": {}}
    failures: list[str] = []
    try:
        print(f"== seeding {args.members} members on PostgreSQL")
        scenario.seed(ctx)
        env = server_env(
            {
                "DATABASE_URL": dbs.app_url,
                "SECRET_KEY": secret,
                "ENVIRONMENT": "development",
                "ACCESS_TOKEN_MINUTES": "60",
                "DB_POOL_SIZE": str(args.pool_size),
            },
            args.redis_url,
        )
        with (
            Server("cluster-app-1", "app.main:create_app", env, work) as a,
            Server("cluster-app-2", "app.main:create_app", env, work) as b,
        ):
            a.wait_healthy()
            b.wait_healthy()
            one, both = free_port(), free_port()
            conf = work / "nginx.conf"
            conf.write_text(nginx_conf(work, one, both, [a.port, b.port]))
            lb = subprocess.Popen(
                [nginx, "-p", str(work), "-c", str(conf), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            try:
                time.sleep(0.5)
                if lb.poll() is not None:
                    raise SystemExit(f"nginx did not start: {(work / 'error.log').read_text()}")
                ctx.app_port = a.port
                scenario.app_targets(ctx)  # makes the books through the API
                acknowledged = 0

                def cpu() -> float | None:
                    x, y = a.cpu_seconds(), b.cpu_seconds()
                    return x + y if x is not None and y is not None else None

                # Both instances serve once before anything is measured: the second's
                # first requests (lazy imports, caches filling) must not count against it.
                print("== warming both instances (not measured)")
                warm = run_async(
                    run_load(
                        both,
                        scenario._log_factory(ctx, both, "/v1/reading-logs"),
                        concurrency=args.concurrency,
                        warmup=0,
                        duration=max(args.warmup, 3),
                    )
                )
                acknowledged += warm.statuses.get("201", 0)
                if warm.errors:
                    failures.append(f"warming: {warm.error_samples[:3]}")

                def measure(label: str, port: int, rate: float | None) -> LoadResult:
                    nonlocal acknowledged
                    make = scenario._log_factory(ctx, port, "/v1/reading-logs")
                    paced = f" at {rate:.0f} logs/s" if rate else ""
                    print(f"== {label}{paced}: {args.warmup:g} s + {args.duration:g} s")
                    result: LoadResult = run_async(
                        run_load(
                            port,
                            make,
                            concurrency=args.concurrency,
                            warmup=args.warmup,
                            duration=args.duration,
                            cpu_probe=cpu,
                            rate=rate,
                        )
                    )
                    acknowledged += result.statuses.get("201", 0) + (
                        result.warmup_requests - result.warmup_errors
                    )
                    lat = result.latency_ms
                    print(
                        f"   {result.rps:7.1f} logs/s  p50 {lat.get('p50', 0):6.1f} ms  "
                        f"p99 {lat.get('p99', 0):7.1f} ms  app CPU "
                        f"{result.server_cpu_ms_per_request or 0:.2f} ms/log  "
                        f"errors {result.errors}"
                    )
                    if result.errors or result.warmup_errors:
                        failures.append(f"{label}{paced}: {result.error_samples[:3]}")
                    kind = "paced" if rate else "saturated"
                    record["results"].setdefault(kind, {}).setdefault(label, []).append(
                        result.as_dict()
                    )
                    return result

                pair = [("one instance", one), ("two instances", both)]
                for label, port in pair * args.rounds:
                    measure(label, port, None)
                capacity = median(r["rps"] for r in record["results"]["saturated"]["one instance"])
                rate = max(1.0, capacity * args.paced_share)
                record["paced_rate"] = rate
                for label, port in pair * args.rounds:
                    measure(label, port, rate)
            finally:
                lb.terminate()
                lb.wait(timeout=10)
        ratios: dict[str, float | None] = {}
        for kind in ("saturated", "paced"):
            runs = record["results"][kind]
            cpu_one, cpu_two = (
                median([r["server_cpu_ms_per_request"] or 0 for r in runs[label]])
                for label in ("one instance", "two instances")
            )
            rps_one, rps_two = (
                median([r["rps"] for r in runs[label]])
                for label in ("one instance", "two instances")
            )
            ratio = cpu_two / cpu_one if cpu_one and cpu_two else None
            ratios[kind] = ratio
            record[kind] = {
                "median_cpu_ms_per_log": {"one": cpu_one, "two": cpu_two},
                "median_logs_per_s": {"one": rps_one, "two": rps_two},
                "cpu_per_log_ratio": ratio,
            }
            print(
                f"== {kind} medians: one {rps_one:.1f} logs/s {cpu_one:.2f} ms/log; "
                f"two {rps_two:.1f} logs/s {cpu_two:.2f} ms/log; "
                + (f"app CPU per log, two / one: {ratio:.3f}" if ratio else "no CPU")
            )
        record["cpu_per_log_ratio"] = ratios["paced"]
        if ratios["paced"] is None or ratios["paced"] > CPU_TOLERANCE:
            failures.append(f"paced CPU per log {ratios['paced']} above {CPU_TOLERANCE}")
        verify = subprocess.run(
            [sys.executable, "-m", "app", "ledger", "verify"],
            cwd=ROOT,
            env={**env, "REDIS_URL": args.redis_url},
            capture_output=True,
            text=True,
            check=False,
        )
        record["ledger_verify"] = {"rc": verify.returncode, "out": verify.stdout[-800:]}
        print(f"== ledger verify: rc {verify.returncode} {verify.stdout.strip()[-300:]}")
        if verify.returncode != 0:
            failures.append(f"ledger verify: {verify.stdout[-400:]} {verify.stderr[-400:]}")
        engine = seeding_engine(dbs.app_url)
        try:
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT COUNT(*) FROM reading_log")).scalar_one()
        finally:
            engine.dispose()
        books = len(scenario.book_ids)
        record["acknowledged"], record["stored"] = acknowledged, int(stored) - books
        print(f"== logs acknowledged {acknowledged}, stored {int(stored) - books}")
        if int(stored) - books < acknowledged:
            failures.append(f"{acknowledged - int(stored) + books} acknowledged logs missing")
    finally:
        dbs.cleanup()
        record["load_average_after"] = os.getloadavg()[0]
        out = (
            ROOT
            / "bench"
            / "results"
            / f"cluster-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(record, indent=2, default=str))
        print(
            f"results: {out}; load average {load_before:.1f} -> {record['load_average_after']:.1f}"
        )
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
