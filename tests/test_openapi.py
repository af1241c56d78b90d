"""The committed spec is current, and operation ids are the routes' names in camelCase."""

from __future__ import annotations

import json
import re

from app.cli import SPEC_PATH, openapi_text


def test_committed_spec_is_current():
    assert SPEC_PATH.read_text() == openapi_text(), "run `make openapi` and commit the result"


def test_operation_ids_are_camel_case_route_names():
    # Generators group operations by tag themselves: `createReadingLog` becomes
    # `create_reading_log` in Python and stays as it is in TypeScript.
    spec = json.loads(openapi_text())
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9]*", i) for i in ids), ids
    assert "createReadingLog" in ids and "syncReadingLogs" in ids
