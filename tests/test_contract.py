"""The published document is exact where generated clients depend on it."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest

from app.cli import SPEC_PATH
from app.models import enums
from app.models.badge import Icon, Metric, Period
from app.models.challenge import Goal
from app.models.leaderboard import PeriodName, Scope
from app.models.member import AgeGroup, Role
from app.models.reading import LogStatus
from app.share.cards import CardFormat
from app.share.platforms import Platform
from app.share.wording import Language, SubjectType

SPEC = json.loads(SPEC_PATH.read_text())
SCHEMAS = SPEC["components"]["schemas"]
REF = "#/components/schemas/"


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, ops in SPEC["paths"].items() for m, op in ops.items()]


def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        found = [node["enum"]] if "enum" in node else []
        return found + [e for v in node.values() for e in _enums(v)]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


def operation(op_id: str) -> dict[str, Any]:
    return next(op for _, _, op in operations() if op["operationId"] == op_id)


def test_every_problem_is_problem_json_with_its_schema():
    for path, method, op in operations():
        for status, response in op["responses"].items():
            if int(status) < 400 or "text/html" in response.get("content", {}):
                continue
            assert response["content"] == {
                "application/problem+json": {"schema": {"$ref": REF + "ProblemDetails"}}
            }, (method, path, status)
    assert SCHEMAS["ProblemDetails"]["required"] == ["type", "title", "status", "detail"]


def test_problem_headers_are_documented():
    assert "WWW-Authenticate" in operation("getMe")["responses"]["401"]["headers"]
    conflict = operation("createReadingLog")["responses"]["409"]
    assert conflict["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "Retry-After" in operation("readyz")["responses"]["503"]["headers"]


@pytest.mark.parametrize(
    ("method", "url", "op_id"),
    [
        ("POST", "/v1/badges?library=nowhere", "createBadge"),
        ("POST", "/v1/challenges?library=nowhere", "createChallenge"),
        ("GET", "/v1/moderation/reading-logs?library=nowhere", "listFlaggedLogs"),
    ],
)
def test_staff_calls_naming_an_unknown_library_answer_a_documented_404(
    client, factory, method, url, op_id
):
    staff = factory.staff(factory.library("palu"))
    r = client.request(method, url, headers=factory.headers(staff), json={})
    assert r.status_code == 404
    assert "404" in operation(op_id)["responses"]


def test_security_is_documented_and_public_calls_say_so():
    assert SPEC["security"] == [{"OAuth2PasswordBearer": []}]
    assert operation("getLibrary")["security"] == []
    assert operation("getShareImage")["security"] == []
    assert operation("createReadingLog")["security"] == [{"OAuth2PasswordBearer": []}]
    assert SPEC["servers"][0]["url"] == "/"


def test_the_idempotency_key_is_a_plain_string():
    (header,) = operation("createReadingLog")["parameters"]
    assert header["name"] == "Idempotency-Key" and header["required"] is False
    assert header["schema"]["type"] == "string" and "anyOf" not in header["schema"]


def test_no_optional_parameter_is_type_or_null():
    for _, _, op in operations():
        for parameter in op.get("parameters", []):
            assert {"type": "null"} not in parameter["schema"].get("anyOf", []), parameter


def test_the_share_image_is_binary_and_probes_are_typed():
    content = operation("getShareImage")["responses"]["200"]["content"]
    assert content == {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    ready = operation("readyz")["responses"]["200"]["content"]["application/json"]
    assert ready["schema"] == {"$ref": REF + "Readiness"}


def test_the_batch_item_and_its_problem_are_typed():
    items = SCHEMAS["BatchRequest"]["properties"]["items"]["items"]
    assert items == {"$ref": REF + "BatchItem"}
    assert "client_id" in SCHEMAS["BatchItem"]["required"]
    problem = SCHEMAS["BatchItemResult"]["properties"]["problem"]
    assert {"$ref": REF + "ProblemDetails"} in problem["anyOf"]


def test_a_logs_cross_field_rules_are_in_its_schema():
    for name in ("ReadingLogCreate", "BatchItem"):
        one_book, some_reading = SCHEMAS[name]["allOf"]
        assert [s["required"] for s in one_book["oneOf"]] == [["book_id"], ["book"]]
        assert [s["required"] for s in some_reading["anyOf"]] == [["pages"], ["minutes"]]


@pytest.mark.parametrize(
    ("schema", "fields"),
    [
        ("TokenResponse", ["refresh_token", "token_type"]),
        ("LogResult", ["challenges"]),
        ("MemberBadge", ["earned_at"]),
        ("ChallengePublic", ["me"]),
        ("PayloadOut", ["instructions", "image_url"]),
        ("Page_BookPublic_", ["next_cursor"]),
        ("ScoringInForce", ["points_per_page", "backdate_days"]),
        ("BadgeCriterion", ["period"]),
    ],
)
def test_fields_always_sent_are_required(schema, fields):
    assert set(fields) <= set(SCHEMAS[schema]["required"])


def test_request_fields_with_defaults_stay_optional():
    props = SCHEMAS["ReadingLogCreate"]["properties"]
    assert "default" not in props["finished"] and "`false`" in props["finished"]["description"]
    assert "required" not in SCHEMAS["ReadingLogCreate"]


def test_share_payloads_have_one_property_per_platform():
    payloads = SCHEMAS["ShareCreated"]["properties"]["payloads"]
    assert payloads["$ref"] == REF + "SharePayloads"
    assert sorted(SCHEMAS["SharePayloads"]["properties"]) == sorted(p.value for p in enums.Platform)


@pytest.mark.parametrize(
    ("enum", "literal"),
    [
        (enums.AgeGroup, AgeGroup),
        (enums.Role, Role),
        (enums.Language, Language),
        (enums.Goal, Goal),
        (enums.LogStatus, LogStatus),
        (enums.BadgeIcon, Icon),
        (enums.Metric, Metric),
        (enums.CriterionPeriod, Period),
        (enums.Period, PeriodName),
        (enums.BoardScope, Scope),
        (enums.Platform, Platform),
        (enums.SubjectType, SubjectType),
        (enums.CardFormat, CardFormat),
    ],
)
def test_named_enums_hold_the_domains_values_and_are_published_once(enum, literal):
    assert sorted(e.value for e in enum) == sorted(get_args(literal))
    assert SCHEMAS[enum.__name__]["enum"] == [e.value for e in enum]
    others = {k: v for k, v in SCHEMAS.items() if k != enum.__name__}
    inline = [set(e) for e in _enums([SPEC["paths"], others])]
    assert {e.value for e in enum} not in inline  # no inline copy of the same set


@pytest.mark.parametrize(
    ("schema", "field", "enum"),
    [
        ("MemberPublic", "age_group", "AgeGroup"),
        ("MemberPublic", "role", "Role"),
        ("MemberPublic", "language", "Language"),
        ("ChallengePublic", "goal", "Goal"),
        ("ChallengePublic", "status", "ChallengeStatus"),
        ("BadgePublic", "icon", "BadgeIcon"),
        ("CriterionProgressOut", "metric", "Metric"),
        ("CriterionProgressOut", "period", "CriterionPeriod"),
        ("PayloadOut", "platform", "Platform"),
        ("ShareCreated", "subject_type", "SubjectType"),
    ],
)
def test_closed_sets_in_responses_are_named_enums(schema, field, enum):
    assert SCHEMAS[schema]["properties"][field] == {"$ref": REF + enum}


def test_status_query_parameters_are_enums():
    (status,) = [p for p in operation("listReadingLogs")["parameters"] if p["name"] == "status"]
    assert status["schema"]["$ref"] == REF + "LogStatus"
    (status,) = [p for p in operation("listChallenges")["parameters"] if p["name"] == "status"]
    assert status["schema"]["$ref"] == REF + "ChallengeStatus"


def test_generated_names_read_well():
    assert "SignInForm" in SCHEMAS and not [n for n in SCHEMAS if n.startswith("Body_")]
    assert operation("signIn")["requestBody"]["content"]["application/x-www-form-urlencoded"]
