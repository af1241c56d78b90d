"""Schemathesis, driven by the committed document alone, creates what the app is about:
reading logs, books, challenges and shares. Each creation call is fuzzed with valid
(positive) cases; every response must conform, and enough of them must be 2xx
creations for the fuzzer to have reached the paths that matter."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import NonInteractiveExampleWarning

from app.cli import SPEC_PATH
from tests.test_schemathesis import CHECKS

schema = schemathesis.openapi.from_path(SPEC_PATH)
pytestmark = pytest.mark.filterwarnings("ignore", category=NonInteractiveExampleWarning)

EXAMPLES = 40


@pytest.fixture
def fuzz_setup(client, factory):
    lib = factory.library("palu")
    member = factory.member(lib)
    staff = factory.staff(lib)
    headers = {"member": factory.headers(member), "staff": factory.headers(staff)}
    # Something to share: the member's first log (id 1, of book 1), on this week's board.
    first = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": 20},
        headers=headers["member"],
    )
    assert first.status_code == 201 and first.json()["log"]["id"] == 1
    return headers


def _fuzz(
    app, headers: dict[str, str], path: str, method: str
) -> tuple[Counter[int], Counter[int]]:
    """Statuses of the document's own examples (schemathesis' examples phase), then of
    fuzzed valid cases."""
    operation = schema[path][method]
    examples: Counter[int] = Counter()
    for strategy in operation.get_strategies_from_examples():
        case = strategy.example()
        if case.headers and "Idempotency-Key" in case.headers:
            # The generator draws short keys; two examples drawing the same one are rightly
            # refused as a reused key with another body, which is not what this counts.
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        examples[response.status_code] += 1
    statuses: Counter[int] = Counter()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        statuses[response.status_code] += 1

    run()
    return examples, statuses


def _created(statuses: Counter[int]) -> int:
    return statuses[200] + statuses[201]


# Fuzzing alone reaches the creation of logs and books. A challenge's window (ends on or
# after today, at most 366 days) and a share's subject (an existing log, badge or
# challenge of the caller) are relative to the server's state, which no schema can
# say: there the document's examples are what a generator can build on.
@pytest.mark.parametrize(
    ("path", "who", "from_examples", "from_fuzzing"),
    [
        ("/v1/reading-logs", "member", 2, 5),
        ("/v1/books", "member", 1, 5),
        ("/v1/challenges", "staff", 1, 0),
        ("/v1/share", "member", 2, 0),
    ],
)
def test_the_document_alone_is_enough_to_create(
    app, fuzz_setup, path, who, from_examples, from_fuzzing
):
    examples, fuzzed = _fuzz(app, fuzz_setup[who], path, "POST")
    assert _created(examples) >= from_examples, f"{path} examples: {dict(examples)}"
    assert _created(fuzzed) >= from_fuzzing, f"{path} fuzzed: {dict(fuzzed)}"
    assert 500 not in fuzzed
