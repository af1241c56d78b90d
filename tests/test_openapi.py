"""The committed spec is current, and operation ids read as `{tag}-{name}`."""

from __future__ import annotations

import json

from app.cli import SPEC_PATH, openapi_text


def test_committed_spec_is_current():
    assert SPEC_PATH.read_text() == openapi_text(), "run `make openapi` and commit the result"


def test_operation_ids_are_tag_dash_name():
    spec = json.loads(openapi_text())
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    for path in spec["paths"].values():
        for op in path.values():
            assert op["operationId"].startswith(op["tags"][0] + "-")
