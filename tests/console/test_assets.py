"""Every asset comes from the app: API docs, console styles and scripts, no CDN."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.console.charts import Series, bar_chart, line_chart

CDN = re.compile(r"https?://(?!127\.0\.0\.1|localhost|testserver)[^\s\"'<>]+")


def test_api_docs_pages_load_their_assets_from_the_app(client: TestClient):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        page = client.get(path)
        assert page.status_code == 200
        assert "cdn" not in page.text.lower()
        assert not CDN.findall(page.text), path
        assert "<script>" not in page.text  # no inline script: a self-only CSP lets it run
        for src in re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page.text):
            asset = client.get(src)
            assert asset.status_code == 200 and len(asset.content) > 50, src
    assert "swagger-ui-bundle.js" in client.get("/docs").text
    assert client.get("/docs/static/swagger-ui/LICENSE").status_code == 200
    assert client.get("/docs/static/redoc/LICENSE").status_code == 200


def test_console_pages_load_only_their_own_assets(client: TestClient):
    page = client.get("/staff/login")
    assert not CDN.findall(page.text)
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    for src in re.findall(r'(?:src|href)="(/staff/static/[^"]+)"', page.text):
        assert client.get(src).status_code == 200, src


def test_a_line_chart_describes_itself_and_leaves_gaps():
    svg = line_chart(
        "c1",
        "Pages <read>",
        "Pages per day, this month and last",
        ["1 Nov", "2 Nov", "3 Nov"],
        [Series("This month", [10, None, 30]), Series("Last month", [5, 8, 9])],
    )
    assert 'role="img"' in svg and 'aria-labelledby="c1-t c1-d"' in svg
    assert '<title id="c1-t">Pages &lt;read&gt;</title>' in svg
    assert svg.count("<polyline") == 1  # the gap splits the current line into dots
    assert svg.count("<circle") == 2


def test_a_bar_chart_has_one_bar_per_step():
    svg = bar_chart("f", "Funnel", "Shares to joins", ["Shares", "Views", "Joins"], [40, 25, None])
    assert svg.count("<rect") == 3 and ">40</text>" in svg
