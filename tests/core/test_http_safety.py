"""Safe defaults at the HTTP edge: redirects and hosts, security headers, CORS, body size,
docs switched off; in the app and through a real server (chunked bodies, raw Host)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.accounts.test_two_workers import _serve
from tests.factories import PASSWORD

PUBLIC = "https://baca.example.id"


def _client(settings: Settings, engine, clock, **changes) -> TestClient:
    app = create_app(settings.model_copy(update=changes), engine=engine, clock=clock)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def public_client(settings, engine, clock) -> Iterator[TestClient]:
    with _client(
        settings, engine, clock, public_base_url=PUBLIC, allowed_hosts=["baca.example.id"]
    ) as c:
        yield c


def test_the_trailing_slash_redirect_points_at_the_public_url(settings, engine, clock):
    with _client(settings, engine, clock, public_base_url=PUBLIC) as c:
        r = c.get("/v1/me/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == f"{PUBLIC}/v1/me"


def test_unknown_hosts_are_refused_when_allowed_hosts_are_configured(public_client):
    r = public_client.get("/healthz", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("unknown-host")
    ok = public_client.get("/healthz", headers={"Host": "baca.example.id:443"})
    assert ok.status_code == 200


def test_without_allowed_hosts_any_host_is_served(client):
    assert client.get("/healthz", headers={"Host": "10.0.0.5:8000"}).status_code == 200


def test_html_pages_send_security_headers_and_hsts_behind_https(public_client):
    h = {"Host": "baca.example.id"}
    for path in ("/docs", "/redoc", "/s/unknown", "/staff/login"):
        r = public_client.get(path, headers=h)
        assert r.headers["content-type"].startswith("text/html"), path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src 'self';" in csp  # no inline or remote script
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["strict-transport-security"].startswith("max-age=")
    api = public_client.get("/v1/me", headers=h)
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers


def test_no_hsts_on_plain_http(client):
    r = client.get("/docs")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in r.headers


def test_cors_only_for_the_configured_origins(settings, engine, clock, client):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with _client(settings, engine, clock, cors_origins=["https://app.example.id"]) as c:
        ok = c.options("/v1/auth/token", headers={**preflight, "Origin": "https://app.example.id"})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.id"
        bad = c.options("/v1/auth/token", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in bad.headers
        get = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in get.headers
    # Nothing configured: no origin is allowed.
    none = client.get("/healthz", headers={"Origin": "https://app.example.id"})
    assert "access-control-allow-origin" not in none.headers


def test_bodies_above_the_limit_get_413_and_change_nothing(settings, engine, clock, factory):
    factory.library("palu")
    body = {
        "email": "big@example.org",
        "password": PASSWORD,
        "display_name": "x" * 3000,
        "birth_year": 1990,
        "library": "palu",
    }
    with _client(settings, engine, clock, max_body_bytes=2048) as c:
        r = c.post("/v1/auth/register", json=body)
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("payload-too-large")

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b"x" * 1000

        streamed = c.post(
            "/v1/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        small = c.post("/v1/auth/register", json={**body, "display_name": "Rina"})
        assert small.status_code != 413
        nobody = c.post("/v1/auth/token", data={"username": "big@example.org", "password": "x"})
        assert nobody.status_code == 401


def test_docs_and_openapi_can_be_turned_off(settings, engine, clock):
    with _client(settings, engine, clock, docs_enabled=False) as c:
        assert c.get("/docs").status_code == 404
        assert c.get("/redoc").status_code == 404
        assert c.get("/openapi.json").status_code == 404
        assert c.get("/healthz").status_code == 200


def _raw(base: str, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and (b"problem" in data or b"location" in data.lower()):
                break
    return data


def test_through_a_real_server(db_url, tmp_path):
    """A chunked body without a length is cut off at the limit, and a raw Host header
    neither steers a redirect nor passes the host check."""
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": db_url,
        "DB_POOL_SIZE": "4",
        "MAX_IN_FLIGHT": "2",
        "MAX_BODY_BYTES": "4096",
        "PUBLIC_BASE_URL": PUBLIC,
        "ALLOWED_HOSTS": '["127.0.0.1", "baca.example.id"]',
    }
    import os

    proc, base = _serve({**os.environ, **env}, tmp_path / "server.log")
    try:
        head = (
            b"POST /v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
        answer = _raw(base, head + chunk * 8 + b"0\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        redirect = _raw(base, b"GET /v1/me/ HTTP/1.1\r\nHost: baca.example.id\r\n\r\n")
        assert redirect.startswith(b"HTTP/1.1 307")
        assert f"location: {PUBLIC}/v1/me\r\n".encode() in redirect.lower()
        evil = _raw(base, b"GET /v1/me/ HTTP/1.1\r\nHost: evil.example\r\n\r\n")
        assert evil.startswith(b"HTTP/1.1 400"), evil[:200]
    finally:
        proc.terminate()
        proc.wait(10)
