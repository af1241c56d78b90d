"""Dashboard and reports: figures from app.analytics, charts with their tables,
CSV and XLSX downloads, filters checked by the analytics service."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.console.helpers import sign_in


def _log(client, factory, member, pages, **kw):
    r = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Laut Bercerita"}, "pages": pages, **kw},
        headers=factory.headers(member),
    )
    assert r.status_code == 201, r.text


def test_dashboard_shows_the_months_figures_and_chart_tables(client: TestClient, factory):
    lib = factory.library("palu")
    for pages in (30, 45):
        _log(client, factory, factory.member(lib), pages)
    sign_in(client, factory.staff(lib).email)
    page = client.get("/staff")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Sekilas" in html and "Halaman dibaca" in html
    assert ">75<" in html  # pages this month
    assert html.count('role="img"') == 5  # four series and the funnel
    assert html.count("<table") >= 6  # each chart's numbers, the reading index
    assert "Komponen kegemaran membaca" in html
    assert "Laut Bercerita" in html  # top books
    assert len(page.content) < 300_000


def test_dashboard_filters_are_checked(client: TestClient, factory):
    lib = factory.library()
    sign_in(client, factory.staff(lib).email)
    ok = client.get("/staff", params={"age_group": "teens", "start": "2026-11-01"})
    assert ok.status_code == 200
    reversed_range = client.get("/staff", params={"start": "2026-11-20", "end": "2026-11-01"})
    assert reversed_range.status_code == 422
    assert "The range starts after it ends." in reversed_range.text
    assert client.get("/staff", params={"start": "kemarin"}).status_code == 422


def test_reports_download_as_csv_and_xlsx(client: TestClient, factory):
    lib = factory.library()
    _log(client, factory, factory.member(lib, school="SMA 1"), 20)
    sign_in(client, factory.staff(lib).email)
    page = client.get("/staff/reports", params={"name": "status"})
    assert page.status_code == 200 and "Unduh XLSX" in page.text
    csv = client.get("/staff/reports/status.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv.headers["content-disposition"]
    xlsx = client.get("/staff/reports/status.xlsx", params={"start": "2026-11-01"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) >= 2
    for name in ("schools", "progress", "badges", "top_scores"):
        assert client.get("/staff/reports", params={"name": name}).status_code == 200
    assert client.get("/staff/reports/nope.csv").status_code == 422


def test_a_member_cannot_read_the_dashboard(client: TestClient, factory):
    lib = factory.library()
    assert client.get("/staff", follow_redirects=False).status_code == 303
    assert client.get("/staff/reports/status.csv", follow_redirects=False).status_code == 303
    member = factory.member(lib)
    assert client.get("/v1/analytics/summary", headers=factory.headers(member)).status_code == 403
