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


def test_series_against_the_same_period_last_year(client: TestClient, factory):
    lib = factory.library("palu")
    _log(client, factory, factory.member(lib), 12)
    sign_in(client, factory.staff(lib).email)
    previous = client.get("/staff", params={"start": "2026-11-10", "end": "2026-11-17"}).text
    assert "Sebelumnya" in previous and "Tahun lalu" not in previous
    page = client.get(
        "/staff", params={"start": "2026-11-10", "end": "2026-11-17", "compare": "last_year"}
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert '<option value="last_year" selected>' in html
    assert html.count('<th scope="col" class="num">Tahun lalu</th>') == 4  # each chart's table
    assert "dengan periode yang sama tahun lalu" in html  # each chart's description
    assert client.get("/staff", params={"compare": "last_decade"}).status_code == 422


def test_top_lists_beyond_books(client: TestClient, factory):
    lib = factory.library("palu")
    reader = factory.member(lib, school="SMP Negeri 3", nickname="Kancil Cerdas")
    _log(client, factory, reader, 40, hashtags=["#BacaPalu"])
    sign_in(client, factory.staff(lib).email)
    html = client.get("/staff").text
    for heading in (
        "Buku terpopuler",
        "Pembaca teratas (nama panggilan)",
        "Sekolah teraktif",
        "Genre terpopuler",
        "Penulis terpopuler",
        "Tagar terpopuler",
        "Tantangan dengan peserta terbanyak",
    ):
        assert heading in html, heading
    readers = html[html.index('id="top-readers"') :]
    assert "Kancil Cerdas" in readers[: readers.index("</section>")]
    assert reader.display_name not in readers[: readers.index("</section>")]
    tags = html[html.index('id="top-hashtags"') :]
    assert "bacapalu" in tags[: tags.index("</section>")].lower()


def test_an_administrator_sees_every_library_side_by_side(client: TestClient, factory):
    palu, semarang = factory.library("palu"), factory.library("semarang")
    _log(client, factory, factory.member(palu), 30)
    _log(client, factory, factory.member(semarang), 7)
    _log(client, factory, factory.member(semarang), 8)
    staff = factory.staff(palu)
    sign_in(client, factory.admin().email)
    page = client.get("/staff/libraries/compare")
    assert page.status_code == 200, page.text
    html = page.text
    cells = {}
    for slug in ("palu", "semarang"):
        row = html[html.index(f'data-library="{slug}"') :]
        cells[slug] = row[: row.index("</tr>")]
    assert ">30<" in cells["palu"] and ">15<" in cells["semarang"]  # pages
    assert "Semua perpustakaan berdampingan" in html
    assert client.get("/staff/libraries/compare", params={"age_group": "elves"}).status_code == 422
    client.cookies.clear()
    sign_in(client, staff.email)
    assert client.get("/staff/libraries/compare").status_code == 403


def test_the_english_console_says_the_analytics_notes_in_english(client: TestClient, factory):
    lib = factory.library("palu")
    sign_in(client, factory.staff(lib).email)
    indonesian = client.get("/staff").text
    assert "Frekuensi membaca (FM): hari membaca per minggu" in indonesian
    assert "ditampilkan sebagai 'kurang dari 5'" in indonesian.replace("&#39;", "'")
    client.get("/staff/lang/en")
    english = client.get("/staff").text
    assert "Reading frequency (FM): days with reading per week" in english
    assert "Frekuensi membaca" not in english and "kurang dari 5" not in english
    assert "Top readers (by nickname)" in english and "The same period last year" in english
