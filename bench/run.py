"""Run the load benchmarks: `python -m bench.run [--engines ...] [--duration ...] [...]`.

For each engine and scenario: fresh databases, seed, start the app and the
yardstick as uvicorn subprocesses on 127.0.0.1, measure each in turn with the
same load, stop them, compare. Prints a table and writes
bench/results/<timestamp>.json. Exit status: 0 when every request succeeded,
1 when any failed or a server did not start, 2 with --strict when a target was
missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy.engine import make_url

from bench.loadgen import LOCAL_HOST, LoadResult, fetch, run_async, run_load
from bench.scenarios import SCENARIOS, Context, Options, Scenario, Target
from bench.seed import DEFAULT_PG_URL, EngineName, bench_settings, fresh_databases
from bench.seed import postgres_unreachable as pg_unreachable

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
ENGINES: tuple[EngineName, ...] = ("sqlite", "postgresql")


def log(message: str) -> None:
    print(message, flush=True)


# -- servers ----------------------------------------------------------------------------


class ServerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One uvicorn process (1 worker, no access log) on 127.0.0.1, stopped on exit."""

    def __init__(self, name: str, factory: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.factory = factory
        self.env = env
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            self.factory,
            "--factory",
            "--host",
            LOCAL_HOST,
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "5",
        ]
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_healthy(self, timeout: float = 180.0) -> None:  # imports take long on a busy machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerFailed(f"{self.name} exited at startup:\n{self.log_tail()}")
            try:
                if run_async(fetch(self.port, "GET", "/healthz", timeout=2)).status == 200:
                    return
            except (OSError, TimeoutError):
                pass
            time.sleep(0.1)
        raise ServerFailed(f"{self.name} not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (Linux only)."""
        if self.proc is None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def server_env(extra: dict[str, str], redis_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Measured:
    target: Target
    server: str
    rounds: list[LoadResult] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(r.errors + r.warmup_errors for r in self.rounds)

    def summary(self) -> dict[str, Any]:
        """Medians over rounds (the one round, usually); errors summed."""

        def med(values: Sequence[float | None]) -> float | None:
            present = [v for v in values if v is not None]
            return statistics.median(present) if present else None

        statuses: dict[str, int] = {}
        for r in self.rounds:
            for status, n in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        return {
            "rps": med([r.rps for r in self.rounds]),
            "p50_ms": med([r.latency_ms.get("p50") for r in self.rounds]),
            "p90_ms": med([r.latency_ms.get("p90") for r in self.rounds]),
            "p99_ms": med([r.latency_ms.get("p99") for r in self.rounds]),
            "max_ms": max((r.latency_ms.get("max", 0.0) for r in self.rounds), default=None),
            "server_cpu_ms_per_request": med([r.server_cpu_ms_per_request for r in self.rounds]),
            "requests": sum(r.requests for r in self.rounds),
            "errors": self.errors,
            "statuses": statuses,
            "unexpected_2xx": sum(
                n
                for s, n in statuses.items()
                if s.startswith("2") and int(s) != self.target.expected_status
            ),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.target.label,
            "server": self.server,
            "note": self.target.note,
            "expected_status": self.target.expected_status,
            "summary": self.summary(),
            "rounds": [r.as_dict() for r in self.rounds],
        }


def measure(server: Server, measured: Measured, args: argparse.Namespace) -> None:
    if not server.alive():
        raise ServerFailed(f"{server.name} died before its measurement:\n{server.log_tail()}")
    log(
        f"  measuring {measured.target.label}: {args.warmup:g} s warm-up + "
        f"{args.duration:g} s at {args.concurrency} connections"
    )
    result = run_async(
        run_load(
            server.port,
            measured.target.make_request,
            concurrency=args.concurrency,
            warmup=args.warmup,
            duration=args.duration,
            cpu_probe=server.cpu_seconds,
        )
    )
    measured.rounds.append(result)
    lat = result.latency_ms
    log(
        f"    {result.rps:8.1f} req/s  p50 {lat.get('p50', float('nan')):7.1f} ms  "
        f"p99 {lat.get('p99', float('nan')):7.1f} ms  errors {result.errors}"
    )
    if result.errors or result.warmup_errors:
        log(f"    !! {result.errors} failed in the window, {result.warmup_errors} in warm-up:")
        for sample in result.error_samples:
            log(f"       {sample}")
    time.sleep(0.5)  # let the server settle between measurements


def compare(app: Measured, bare: Measured, scenario: Scenario) -> dict[str, Any]:
    a, b = app.summary(), bare.summary()
    tput = a["rps"] / b["rps"] if a["rps"] is not None and b["rps"] else None
    p99 = a["p99_ms"] / b["p99_ms"] if a["p99_ms"] is not None and b["p99_ms"] else None
    t = scenario.thresholds
    tput_ok = tput is not None and tput >= t.min_throughput_ratio
    p99_ok = p99 is not None and p99 <= t.max_p99_ratio
    return {
        "app": app.target.label,
        "bare": bare.target.label,
        "throughput_ratio": tput,
        "p99_ratio": p99,
        "min_throughput_ratio": t.min_throughput_ratio,
        "max_p99_ratio": t.max_p99_ratio,
        "throughput_ok": tput_ok,
        "p99_ok": p99_ok,
        "errors": a["errors"] + b["errors"],
        "met": tput_ok and p99_ok and a["errors"] + b["errors"] == 0,
        "note": app.target.note,
    }


def run_one(
    engine: EngineName,
    name: str,
    args: argparse.Namespace,
    secret: str,
    log_dir: Path,
) -> dict[str, Any]:
    scenario = SCENARIOS[name]()
    log(f"\n== {engine} / {name}: {scenario.description}")
    started = time.monotonic()
    dbs = fresh_databases(
        engine, pg_url=args.pg_url, keep=args.keep, schema_prefix=args.schema_prefix
    )
    record: dict[str, Any] = {"engine": engine, "scenario": name, "notes": []}
    try:
        if args.keep:
            log(f"  app database: {dbs.app_url}\n  bare database: {dbs.bare_url}")
        ctx = Context(
            engine=engine,
            dbs=dbs,
            settings=bench_settings(dbs.app_url, secret),
            options=Options(
                members=args.members,
                idempotency_keys=not args.no_idempotency_key,
                catalogue=not args.empty_catalogue,
                target=args.target,
                redis_url=args.redis_url,
            ),
            rnd=random.Random(args.seed),
            log=log,
            notes=record["notes"],
        )
        scenario.seed(ctx)
        record["seed_s"] = round(time.monotonic() - started, 2)
        app_env = server_env(
            {
                "DATABASE_URL": dbs.app_url,
                "SECRET_KEY": secret,
                "ENVIRONMENT": "development",
                "ACCESS_TOKEN_MINUTES": str(ctx.settings.access_token_minutes),
                "JWT_ISSUER": ctx.settings.jwt_issuer,
                "JWT_AUDIENCE": ctx.settings.jwt_audience,
                "DB_POOL_SIZE": str(args.pool_size),
            },
            args.redis_url,
        )
        bare_env = server_env(
            {"BENCH_BARE_DATABASE_URL": dbs.bare_url, "BENCH_BARE_POOL_SIZE": str(args.pool_size)},
            None,
        )
        prefix = f"{engine}-{name}"
        with (
            Server(f"{prefix}-app", "app.main:create_app", app_env, log_dir) as app_server,
            Server(f"{prefix}-bare", "bench.bare_app:create_app", bare_env, log_dir) as bare,
        ):
            app_server.wait_healthy()
            bare.wait_healthy()
            ctx.app_port, ctx.bare_port = app_server.port, bare.port
            app_measures = [Measured(t, "app") for t in scenario.app_targets(ctx)]
            bare_measure = Measured(scenario.bare_target(ctx), "bare")
            # Alternate app and bare round by round, so a busy spell on the
            # machine hits both rather than one.
            for n in range(args.rounds):
                if args.rounds > 1:
                    log(f"  round {n + 1}/{args.rounds}")
                for m in app_measures:
                    measure(app_server, m, args)
                measure(bare, bare_measure, args)
        record["facts"] = scenario.facts(ctx)
        if record["facts"]:
            log(f"  {record['facts']}")
        record["targets"] = [m.as_dict() for m in [*app_measures, bare_measure]]
        record["comparisons"] = [compare(m, bare_measure, scenario) for m in app_measures]
        record["errors"] = sum(m.errors for m in [*app_measures, bare_measure])
    except ServerFailed as exc:
        log(f"  !! {exc}")
        record["failed"] = str(exc)
        record["errors"] = record.get("errors", 0) or 1
    except Exception as exc:  # one broken scenario must not cost the others their figures
        log(f"  !! {engine}/{name} broke:\n{traceback.format_exc()}")
        record["failed"] = f"{type(exc).__name__}: {exc}"
        record["errors"] = record.get("errors", 0) or 1
    finally:
        dbs.cleanup()
    record["elapsed_s"] = round(time.monotonic() - started, 1)
    return record


# -- report -------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return format(value, spec) if value is not None else "-"


def print_table(runs: list[dict[str, Any]]) -> None:
    header = (
        f"{'engine':<11}{'scenario':<10}{'target':<32}{'req/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'cpu ms/req':>11}{'errors':>8}"
    )
    log("\n" + header + "\n" + "-" * len(header))
    for run in runs:
        if "failed" in run:
            log(f"{run['engine']:<11}{run['scenario']:<10}FAILED: {run['failed'].splitlines()[0]}")
            continue
        for t in run["targets"]:
            s = t["summary"]
            log(
                f"{run['engine']:<11}{run['scenario']:<10}{t['label'][:31]:<32}"
                f"{_fmt(s['rps'], '.1f'):>9}{_fmt(s['p50_ms'], '.1f'):>9}"
                f"{_fmt(s['p99_ms'], '.1f'):>9}{_fmt(s['server_cpu_ms_per_request'], '.2f'):>11}"
                f"{s['errors']:>8}"
            )
        for c in run["comparisons"]:
            tput, p99 = c["throughput_ratio"], c["p99_ratio"]
            tput_verdict = "PASS" if c["throughput_ok"] else "FAIL"
            p99_verdict = "PASS" if c["p99_ok"] else "FAIL"
            log(
                f"{'':<21}{'app / bare':<32}"
                f"throughput {_fmt(tput and tput * 100, '.0f')}% "
                f"(>= {c['min_throughput_ratio']:.0%}: {tput_verdict}), "
                f"p99 {_fmt(p99, '.2f')}x (<= {c['max_p99_ratio']:g}x: {p99_verdict})"
            )
        for note in run["notes"]:
            log(f"{'':<21}note: {note}")


def git_commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    try:
        head = (ROOT / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        ref_file = ROOT / ".git" / ref
        if ref_file.exists():
            return ref_file.read_text().strip()
        for line in (ROOT / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help=",".join(SCENARIOS))
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per target")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    p.add_argument("--concurrency", type=int, default=32, help="keep-alive connections")
    p.add_argument("--rounds", type=int, default=1, help="alternate app and bare this often")
    p.add_argument("--members", type=int, default=2000, help="seeded members (reading)")
    p.add_argument("--pool-size", type=int, default=32, help="DB pool and thread pool per server")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument(
        "--schema-prefix",
        default=os.environ.get("BENCH_SCHEMA_PREFIX"),
        help="PostgreSQL schemas <prefix>app and <prefix>bare (default: bench_app, bench_bare)",
    )
    p.add_argument("--redis-url", default=None, help="give the app REDIS_URL (default: none)")
    p.add_argument("--target", default=None, help='override the app target, e.g. "GET /v1/me"')
    p.add_argument("--no-idempotency-key", action="store_true", help="send no Idempotency-Key")
    p.add_argument(
        "--empty-catalogue",
        action="store_true",
        help="reading: a library with no badges and no challenge (default: the demo ones)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed of the data and load")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    p.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    p.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = p.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for engine in args.engines:
        if engine not in ENGINES:
            p.error(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    for name in args.scenarios:
        if name not in SCENARIOS:
            p.error(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.rounds < 1:
        p.error("--duration > 0, --warmup >= 0, --concurrency >= 1 and --rounds >= 1")
    if args.duration + args.warmup > 600:
        p.error("one measurement is bounded to 600 s (warm-up + duration)")
    if 2 * args.rounds * (args.duration + args.warmup) > 45 * 60:
        p.error("seeded access tokens live 60 min: keep rounds x (warm-up + duration) short")
    if args.target and not args.target.split(" ", 1)[-1].startswith("/"):
        p.error('--target is "METHOD /path"')
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC)
    warnings: list[str] = []
    load_before = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load_before > 0.5 * cores:
        warnings.append(
            f"the machine was busy before the run (load average {load_before:.1f} on "
            f"{cores} cores): figures are unreliable"
        )
        log(f"!! {warnings[-1]}")

    engines: list[EngineName] = list(args.engines)
    if "postgresql" in engines and (why := pg_unreachable(args.pg_url)):
        warnings.append(f"PostgreSQL unreachable at {args.pg_url} ({why}): SQLite only")
        log(f"!! {warnings[-1]}")
        engines.remove("postgresql")
    if not engines:
        log("nothing to run")
        return 1

    secret = secrets.token_urlsafe(48)
    log_dir = Path(tempfile.mkdtemp(prefix="bacaquest-bench-logs-"))
    runs: list[dict[str, Any]] = []
    try:
        for engine in engines:
            for name in args.scenarios:
                runs.append(run_one(engine, name, args, secret, log_dir))
    finally:
        stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
        args.results_dir.mkdir(parents=True, exist_ok=True)
        failed = any(run.get("errors") for run in runs)
        if failed:  # keep the server logs of a run that went wrong
            kept = args.results_dir / f"{stamp}-logs"
            shutil.copytree(log_dir, kept)
            warnings.append(f"server logs kept in {kept}")
        shutil.rmtree(log_dir, ignore_errors=True)

    print_table(runs)
    total_errors = sum(run.get("errors", 0) for run in runs)
    missed = [
        f"{run['engine']}/{run['scenario']}: {c['app']}"
        for run in runs
        for c in run.get("comparisons", [])
        if not (c["throughput_ok"] and c["p99_ok"])
    ]
    result = {
        "started_at": started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "commit": git_commit(),
        "machine": {
            "cpus": cores,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg()[0],
        },
        "options": {
            **{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "pg_url": make_url(args.pg_url).render_as_string(hide_password=True),
        },
        "warnings": warnings,
        "errors": total_errors,
        "targets_missed": missed,
        "runs": runs,
    }
    out = args.results_dir / f"{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"\nresults: {out}")
    for warning in warnings:
        log(f"warning: {warning}")
    if total_errors:
        log(
            f"\n!!!!! {total_errors} REQUESTS FAILED (non-2xx, connection errors or unfinished):"
            " these figures do not measure the intended work. See the samples above."
        )
        return 1
    if missed:
        log("\ntargets missed: " + "; ".join(missed))
        return 2 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
