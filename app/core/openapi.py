"""The published OpenAPI document: FastAPI's output made exact, once, for every route.

Routes say what they do (`response_model`, `responses=problems(...)`, their
dependencies); this pass turns that into a document generated clients can build on,
so a route written anywhere gets it without asking:

- every 4xx/5xx answer is `application/problem+json` with the `ProblemDetails` schema,
  with the headers the server sends (`WWW-Authenticate` on 401, `Retry-After` on
  409, 429 and 503);
- the problems a dependency raises (`problem_docs.raises`) are documented on every route
  that uses it: a bearer token's 401, staff's 403, the named library's 404;
- an optional parameter is its type, not type-or-null: leaving it out is how a
  client says "none", and a header or query cannot carry a null;
- binary bodies (images) are binary strings, HTML pages strings;
- a schema only ever sent by the server lists the fields it always sends as required
  (pydantic leaves fields with a default optional); a schema only read by it says a
  field's default in words, so generators keep the field optional;
- `servers`, and `security` by default, with `security: []` on public operations;
- FastAPI's generated body names (`Body_signIn`) become model-like (`SignInForm`),
  and schemas nothing refers to any more are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.problem_docs import DEPENDENCY_PROBLEMS, ProblemDetails, problems
from app.core.problems import PROBLEM_MEDIA_TYPE

REF = "#/components/schemas/"
JSON_TYPES = ("application/json", PROBLEM_MEDIA_TYPE)
SECURITY_SCHEME = "OAuth2PasswordBearer"

SERVERS = [
    {"url": "/", "description": "The server that serves this document"},
    {"url": "http://127.0.0.1:8000", "description": "Local development (`make run`)"},
]

_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}
PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The bearer challenge, on a missing, invalid or expired token.",
            "schema": {"type": "string", "examples": ['Bearer realm="bacaquest"']},
        }
    },
    409: {"Retry-After": _RETRY_AFTER},
    429: {"Retry-After": _RETRY_AFTER},
    503: {"Retry-After": _RETRY_AFTER},
}


def install_openapi(app: FastAPI) -> None:
    """Serve (and cache) the refined document as the app's OpenAPI schema."""
    app.servers = SERVERS

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(FastAPI.openapi(app), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def refine(doc: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Every rule of the module docstring, applied to FastAPI's document in place."""
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    _add_problem_schemas(schemas)
    _add_dependency_problems(doc, routes)
    secured: dict[str, list[str]] = {SECURITY_SCHEME: []}
    for operation in _operations(doc):
        operation.setdefault("security", [])
        for status, response in operation.get("responses", {}).items():
            _refine_response(int(status) if status.isdigit() else 0, response)
        for parameter in operation.get("parameters", []):
            _refine_parameter(parameter)
        _name_generated_body(operation, doc)
    if SECURITY_SCHEME in doc["components"].get("securitySchemes", {}):
        doc["security"] = [secured]
    _require_always_sent(doc)
    _drop_unreferenced(doc)
    return doc


def _operations(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in doc.get("paths", {}).values():
        for method, operation in path.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                yield operation


# Members of a problem body that are there only when they say something: optional, and
# never null (problem bodies are built member by member, not serialised from a model).
_ONLY_WHEN_SET = {"ProblemDetails": ("instance", "errors"), "FieldError": ("field", "code")}


def _add_problem_schemas(schemas: dict[str, Any]) -> None:
    generated = ProblemDetails.model_json_schema(ref_template=REF + "{model}")
    for name, schema in generated.pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    schemas.setdefault("ProblemDetails", generated)
    for name, members in _ONLY_WHEN_SET.items():
        props = schemas[name]["properties"]
        for member in members:
            prop = props[member]
            prop.pop("default", None)
            variants = [v for v in prop.pop("anyOf", []) if v != {"type": "null"}]
            if variants:
                prop.update(variants[0])
        schemas[name]["required"] = [r for r in schemas[name].get("required", []) if r in props]


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _dependency_calls(dep)


def _add_dependency_problems(doc: dict[str, Any], routes: list[Any]) -> None:
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        calls = _dependency_calls(route.dependant)
        statuses = {s for call in calls for s in DEPENDENCY_PROBLEMS.get(call, ())}
        path = doc["paths"].get(route.path_format, {})
        for method in route.methods or ():
            operation = path.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, entry in problems(*statuses).items():
                if str(status) not in responses and status in statuses:
                    responses[str(status)] = {"description": entry["description"]}


def _refine_response(status: int, response: dict[str, Any]) -> None:
    content: dict[str, Any] = response.get("content", {})
    if status >= 400 and "text/html" not in content:
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": REF + "ProblemDetails"}}}
        headers = PROBLEM_HEADERS.get(status)
        if headers:
            response["headers"] = {**headers, **response.get("headers", {})}
        return
    for media_type, body in content.items():
        if body.get("schema"):
            continue
        if media_type == "text/html" or media_type.startswith("text/"):
            body["schema"] = {"type": "string"}
        elif media_type not in JSON_TYPES:
            body["schema"] = {"type": "string", "format": "binary"}


def _refine_parameter(parameter: dict[str, Any]) -> None:
    schema = parameter.get("schema", {})
    variants = schema.get("anyOf")
    if parameter.get("required") or not variants:
        return
    kept = [v for v in variants if v != {"type": "null"}]
    if len(kept) == len(variants):
        return
    del schema["anyOf"]
    if len(kept) == 1:
        schema.update(kept[0])
    else:
        schema["anyOf"] = kept
    if schema.get("default", ...) is None:
        del schema["default"]


def _name_generated_body(operation: dict[str, Any], doc: dict[str, Any]) -> None:
    body = operation.get("requestBody", {}).get("content", {})
    for media_type, entry in body.items():
        ref = entry.get("schema", {}).get("$ref", "")
        old = ref.removeprefix(REF)
        if not old.startswith("Body_"):
            continue
        op_id = operation["operationId"]
        kind = "Form" if "form" in media_type else "Body"
        new = op_id[:1].upper() + op_id[1:] + kind
        schemas = doc["components"]["schemas"]
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
        entry["schema"]["$ref"] = REF + new


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF):
                yield value.removeprefix(REF)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(start: Any, schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(_refs(start))
    while todo:
        name = todo.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _require_always_sent(doc: dict[str, Any]) -> None:
    """Pydantic serialises every field, defaults included: in a schema the server only
    sends, a field with a default is always there, so it is required (what pydantic's
    `json_schema_serialization_defaults_required` says, without FastAPI's `-Output`
    names for schemas also read). In a schema the server only reads, a default is
    said in words (see `_default_in_words`)."""
    schemas = doc["components"]["schemas"]
    ops = list(_operations(doc))
    sent = _reachable([op.get("responses", {}) for op in ops], schemas)
    read = _reachable(
        [[op.get("requestBody", {}), op.get("parameters", [])] for op in ops], schemas
    )
    for name in sorted(sent - read):
        schema = schemas[name]
        props = schema.get("properties", {})
        required = list(schema.get("required", []))
        required += [p for p, s in props.items() if _always_sent(s) and p not in required]
        if required:
            schema["required"] = required
    for name in sorted(read - sent):
        for prop in schemas[name].get("properties", {}).values():
            _default_in_words(prop)


def _default_in_words(prop: dict[str, Any]) -> None:
    # A request field the client may leave out: openapi-typescript (by default) and
    # others read a schema `default` as "always there" and make the field required,
    # so the default is said in words.
    if "default" not in prop:
        return
    default = json.dumps(prop.pop("default"), ensure_ascii=False)
    said = f"Default when left out: `{default}`."
    prop["description"] = f"{prop['description']} {said}" if prop.get("description") else said


def _always_sent(prop: dict[str, Any]) -> bool:
    # A field with a default (FastAPI drops a null default, leaving only the null type)
    # is serialised all the same; one with neither (a TypedDict's optional key) may not be.
    return "default" in prop or {"type": "null"} in prop.get("anyOf", [])


def _drop_unreferenced(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    keep = _reachable([doc.get("paths", {}), doc.get("webhooks", {})], schemas)
    for name in list(schemas):
        if name not in keep:
            del schemas[name]
