"""`make mutation`: mutmut over the scoring engine, the share rules and the money-like paths.

Each target runs in a scratch copy of the project (under .mutation/, never committed) with
the tests that guard it, so a run takes minutes, not hours. The last lines print, per
target, `mutation score: KILLED/TOTAL (P%)`; survivors named in tests/mutation/EQUIVALENT.md
(one `- mutant.name: reason` a line) are reported apart, as reviewed.

    python -m tests.mutation.run                # every target
    python -m tests.mutation.run scoring ledger # some of them

One mutmut worker by default (MUTATION_JOBS=N for more) and pytest's -x, so a mutant
stops at the first test that fails; MUTATION_MINUTES=N stops each target after N minutes
and scores the mutants that ran.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".mutation"
EQUIVALENT = Path(__file__).with_name("EQUIVALENT.md")
COPY = ("app", "tests", "migrations", "alembic.ini")

# target -> (what to mutate, the tests that guard it)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "scoring": (["app/scoring/"], ["tests/scoring/"]),
    "share-platforms": (
        ["app/share/platforms.py"],
        [
            "tests/share/test_share_fitting.py",
            "tests/share/test_share_platforms.py",
            "tests/share/test_share_texts.py",
        ],
    ),
    "ledger": (
        ["app/services/ledger.py"],
        ["tests/services/test_ledger.py", "tests/routers/test_reading.py"],
    ),
    "challenges": (
        ["app/challenges/progress.py"],
        [
            "tests/routers/test_challenge_progress.py",
            "tests/routers/test_challenges.py",
            "tests/routers/test_promises.py",
            "tests/programmes/test_review_contests.py",
        ],
    ),
    "moderation": (
        ["app/services/moderation.py"],
        [
            "tests/routers/test_moderation.py",
            "tests/routers/test_moderation_queue.py",
            "tests/routers/test_fairness.py",
            "tests/routers/test_arrival_order.py",
            "tests/routers/test_promises.py",
        ],
    ),
    "reading": (
        ["app/reading/"],
        [
            "tests/routers/test_reading.py",
            "tests/routers/test_reading_counting.py",
            "tests/routers/test_promises.py",
        ],
    ),
    "ranks": (
        [
            "app/leaderboards/ranks.py",
            "app/leaderboards/placement.py",
            "app/leaderboards/rank_refill.py",
        ],
        ["tests/leaderboards/test_ranks.py", "tests/leaderboards/test_boards.py"],
    ),
}


def reviewed() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"^- `?([\w.]+__mutmut_\d+)`?", EQUIVALENT.read_text(), re.M))


def migrated(work: Path) -> Path:
    """One migrated SQLite file for every mutant's test session (each would make its own)."""
    path = work / "template.db"
    code = f"from app.core.migrate import upgrade; upgrade('sqlite:///{path}')"
    subprocess.run([sys.executable, "-c", code], cwd=work, check=True)
    return path


def run(target: str) -> tuple[int, int, int, list[str]]:
    """(killed, mutants run, mutants not run, survivors) for one target."""
    paths, tests = TARGETS[target]
    work = WORK / target
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, work / name)
    indent = "\n    "
    (work / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths = {indent.join(paths)}\n"
        f"pytest_add_cli_args_test_selection = {indent.join(tests)}\n"
        # -x: a mutant is killed by its first failing test; the rest need not run.
        # tests.mutation.fresh: statements made once per process are made under the mutant.
        "pytest_add_cli_args =\n    -x\n    -p\n    no:cacheprovider\n"
        "    -p\n    tests.mutation.fresh\n"
        "also_copy = app/\n    migrations/\n    alembic.ini\n"
    )
    env = {**os.environ, "TEST_TEMPLATE_DB": str(migrated(work))}
    mutmut = [sys.executable, "-m", "mutmut"]
    # One worker by default: the machine is shared; MUTATION_JOBS=N for more.
    children = os.environ.get("MUTATION_JOBS", "1")
    # MUTATION_MINUTES=N stops a target after N minutes; what ran is still scored.
    budget = float(os.environ.get("MUTATION_MINUTES", "0")) * 60 or None
    proc = subprocess.Popen(
        [*mutmut, "run", "--max-children", children], cwd=work, env=env, start_new_session=True
    )
    try:
        proc.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    out = subprocess.run(
        [*mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True
    ).stdout
    statuses = re.findall(r"^\s*([\w.]+__mutmut_\d+): (\w[\w ]*)$", out, re.M)
    counted = [(name, status) for name, status in statuses if status != "not checked"]
    # A mutant whose tests hang (timeout) was caught too, as mutmut itself scores it.
    killed = sum(1 for _, status in counted if status in ("killed", "timeout"))
    survived = [name for name, status in counted if status not in ("killed", "timeout")]
    return killed, len(counted), len(statuses) - len(counted), survived


def main(argv: list[str]) -> int:
    targets = argv or list(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        print(f"unknown target(s) {unknown}; expected some of {list(TARGETS)}", file=sys.stderr)
        return 2
    known = reviewed()
    lines = []
    for target in targets:
        started = time.monotonic()
        killed, total, not_run, survived = run(target)
        minutes = (time.monotonic() - started) / 60
        unreviewed = [s for s in survived if s not in known]
        for name in unreviewed:
            print(f"survived, not reviewed: {name}  (mutmut show {name}, in .mutation/{target})")
        pct = 100.0 * killed / total if total else 100.0
        partial = f"; partial, {not_run} not run" if not_run else ""
        lines.append(
            f"{target}: mutation score: {killed}/{total} ({pct:.1f}%)"
            f"; {len(survived) - len(unreviewed)} survivors reviewed as equivalent,"
            f" {len(unreviewed)} not reviewed; {minutes:.1f} min{partial}"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
