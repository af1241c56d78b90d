"""Property-based run of the committed spec against the app: no 5xx, no off-schema reply."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.cli import SPEC_PATH
from tests.factories import november_challenge

# What must always hold. Business rules (a schema-valid birth year that is too
# old for a child profile) and lax JSON coercion are judged by the unit tests.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_path(SPEC_PATH)


# Each caller sees other routes open: a reader their own logs, staff the moderation queue,
# catalogue writes and their library's settings. Examples: enough to reach past the
# validation layer on every operation, at about a minute of the suite on two cores.
EXAMPLES = {"member": 20, "staff": 20}


@pytest.fixture(params=sorted(EXAMPLES))
def caller(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def auth_app(app, factory, client, caller):
    lib = factory.library("palu")
    member = factory.member(lib)
    staff = factory.staff(lib)
    # Something to find: a badge, a challenge, an accepted and a flagged log (ids 1 and 2).
    sh, mh = factory.headers(staff), factory.headers(member)
    badge = {"name": "Buku Pertama", "criteria": [{"metric": "books_finished", "target": 1}]}
    assert client.post("/v1/badges", json=badge, headers=sh).status_code == 201
    assert client.post("/v1/challenges", json=november_challenge(), headers=sh).status_code == 201
    for pages in (20, 600):
        body = {"book": {"title": "Bumi Manusia"}, "pages": pages}
        assert client.post("/v1/reading-logs", json=body, headers=mh).status_code == 201
    app.state.fuzz_headers = sh if caller == "staff" else mh
    return app


@schema.parametrize()
@settings(
    max_examples=max(EXAMPLES.values()),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_or_breaks_its_schema(case, auth_app, caller):
    headers = dict(auth_app.state.fuzz_headers)
    case.call_and_validate(app=auth_app, headers=headers, checks=CHECKS, excluded_checks=[])
