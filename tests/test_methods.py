"""A method a path does not have answers 405, and `Allow` names every method it has."""

from __future__ import annotations

import json
import re

import pytest

from app.cli import SPEC_PATH

SPEC = json.loads(SPEC_PATH.read_text())
METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH"}


def _concrete(path: str, operations: dict) -> str:
    params = {
        p["name"]: p["schema"]
        for op in operations.values()
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    return re.sub(
        r"\{(\w+)\}",
        lambda m: "1" if params[m.group(1)].get("type") == "integer" else "abcdefgh12",
        path,
    )


@pytest.mark.parametrize("path", sorted(SPEC["paths"]))
def test_every_missing_method_is_405_with_the_full_allow(client, path):
    documented = {m.upper() for m in SPEC["paths"][path]}
    url = _concrete(path, SPEC["paths"][path])
    for method in sorted(METHODS - documented):
        r = client.request(method, url)
        assert r.status_code == 405, (method, url, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert allowed - {"HEAD"} == documented, (method, url, r.headers["allow"])


def test_delete_on_the_batch_is_405_not_a_log_id(client):
    r = client.delete("/v1/reading-logs/batch")
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
