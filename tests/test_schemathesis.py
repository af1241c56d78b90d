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


@pytest.fixture
def auth_app(app, factory):
    lib = factory.library("palu")
    member = factory.member(lib)
    app.state.fuzz_headers = factory.headers(member)
    return app


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_or_breaks_its_schema(case, auth_app):
    headers = dict(auth_app.state.fuzz_headers)
    case.call_and_validate(app=auth_app, headers=headers, checks=CHECKS, excluded_checks=[])
