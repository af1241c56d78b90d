"""Every error, including 404, 405 and bad JSON, is problem+json."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def test_unknown_path_is_problem(client):
    r = client.get("/v1/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("not-found")


def test_wrong_method_is_problem(client):
    r = client.delete("/v1/libraries")
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM


def test_malformed_json_is_problem(client, factory):
    r = client.post(
        "/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


def test_readiness_fails_without_database(tmp_path):
    from fastapi.testclient import TestClient

    from app.core.config import Settings
    from app.main import create_app

    url = f"sqlite:///{tmp_path}/missing/dir/x.db"
    app = create_app(Settings(environment="test", database_url=url))
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM


def test_production_refuses_the_default_secret():
    import pytest
    from pydantic import ValidationError

    from app.core.config import Settings

    with pytest.raises(ValidationError):
        Settings(environment="production")
    good = "k3Jx9-Qw2_zLm8VtR4nBc7YpHs6DfGa1"
    public = "https://baca.perpustakaan.example"
    Settings(environment="production", secret_key=good, public_base_url=public)
    # A low-entropy secret and the default (localhost) public URL are refused too.
    for weak in ("a" * 32, "x" * 40, "abcd" * 10):
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(environment="production", secret_key=weak, public_base_url=public)
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        Settings(environment="production", secret_key=good)
