"""The TypeScript client a mobile team generates: openapi-typescript types from the
committed document, and the app's flow (clients/src/flow.ts) type-checked against
them under `tsc --strict` with zero errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parents[2] / "clients"


def _npm_or_skip() -> str:
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm and node:
        return npm
    if os.environ.get("CI") == "true":
        pytest.fail("node and npm are required in CI to check the TypeScript client")
    pytest.skip("node/npm not installed: the TypeScript client check needs them")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=CLIENTS, capture_output=True, text=True, timeout=300, check=False
    )


def test_generated_typescript_types_check_the_app_flow_strictly():
    npm = _npm_or_skip()
    if not (CLIENTS / "node_modules" / ".package-lock.json").exists():
        done = _run(npm, "ci", "--no-audit", "--no-fund", "--prefer-offline")
        assert done.returncode == 0, done.stderr
    generated = _run(npm, "run", "--silent", "generate")
    assert generated.returncode == 0, generated.stderr
    assert "error" not in generated.stderr.lower(), generated.stderr
    checked = _run(npm, "run", "--silent", "check")
    errors = [line for line in checked.stdout.splitlines() if "error TS" in line]
    assert checked.returncode == 0 and not errors, checked.stdout + checked.stderr
