"""Signing in to the console from a test client, and reading its form tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the console's form token for later posts."""
    page = client.get("/staff/login")
    assert page.status_code == 200
    response = client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    landing = client.get("/staff/challenges")
    assert landing.status_code == 200, landing.text
    return form_token(landing.text)
