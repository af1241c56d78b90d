"""The pages still work with the Content-Security-Policy enforced (the other browser tests
bypass it to inject axe-core): the console, the API docs and a share page render, their
scripts run, and the browser reports no violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.pages import sign_in
from tests.factories import PASSWORD


@pytest.fixture
def strict(browser: Any, live: Any) -> Iterator[Any]:
    ctx = browser.new_context(base_url=live.url, bypass_csp=False)
    violations: list[str] = []
    ctx.violations = violations

    def listen(page: Any) -> None:
        page.on(
            "console",
            lambda msg: (
                violations.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text
                else None
            ),
        )

    ctx.on("page", listen)
    yield ctx
    ctx.close()


def test_console_docs_and_share_pages_run_under_the_policy(strict: Any, live: Any) -> None:
    lib = live.factory.library("csp")
    staff = live.factory.staff(lib)
    page = strict.new_page()
    response = page.goto("/staff/login")
    assert response is not None and "content-security-policy" in response.headers
    sign_in(page, staff.email, PASSWORD)
    page.goto("/staff/challenges/new")
    page.get_by_role("heading").first.wait_for()
    page.goto("/staff")
    page.wait_for_load_state("networkidle")

    # The document is built on its first request: slow on a busy machine, not a policy matter.
    assert httpx.get(f"{live.url}/openapi.json", timeout=120).status_code == 200
    docs = strict.new_page()
    docs.goto("/docs")
    docs.locator(".swagger-ui .info .title").get_by_text("BacaQuest API").wait_for(timeout=90_000)
    docs.goto("/redoc")
    docs.get_by_role("heading", name="BacaQuest API").first.wait_for(timeout=90_000)

    reader = live.factory.member(lib)
    made = httpx.post(
        f"{live.url}/v1/share",
        json={"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp"]},
        headers=live.factory.headers(reader),
    )
    assert made.status_code == 201, made.text
    share = strict.new_page()
    share.goto(f"/s/{made.json()['id']}")
    share.get_by_role("img").first.wait_for(state="attached")
    # ReDoc's "by Redocly" footer logo comes from its CDN: blocked, as it should be.
    assert [v for v in strict.violations if "cdn.redoc.ly" not in v] == []
