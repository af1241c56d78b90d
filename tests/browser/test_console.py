"""The staff console in a real browser: the journeys a librarian makes, each page
checked with axe-core and photographed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.browser.pages import check_accessibility, shoot, sign_in, visit
from tests.factories import PASSWORD


def _flag(live: Any, reader: Any, pages: int) -> dict[str, Any]:
    r = httpx.post(
        f"{live.url}/v1/reading-logs",
        json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": pages},
        headers=live.factory.headers(reader),
    )
    assert r.json()["log"]["status"] == "pending_review"
    return r.json()["log"]


def _points(live: Any, member: Any) -> int:
    r = httpx.get(f"{live.url}/v1/me/points", headers=live.factory.headers(member))
    return int(r.json()["total"])


def test_a_librarians_day(context: Any, live: Any, axe_source: str) -> None:
    lib = live.factory.library("palu")
    staff = live.factory.staff(lib)
    reader = live.factory.member(lib, display_name="Dewi Lestari", nickname="Dewi")
    second = live.factory.member(lib, display_name="Budi Santoso")
    _flag(live, reader, 600)
    _flag(live, second, 650)
    page = context.new_page()
    visit(page, axe_source, "/staff/login", "login")
    sign_in(page, staff.email, PASSWORD)

    # A new challenge: the rules are checked while typing, the card previews live.
    visit(page, axe_source, "/staff/challenges/new", "challenge-new")
    page.get_by_label("Judul").fill("Tantangan Baca Desember")
    page.get_by_label("Tagar").fill("#TantanganBacaDesember")
    page.get_by_label("Mulai").fill("2026-11-01")
    page.get_by_label("Berakhir").fill("2026-11-30")
    page.get_by_label("Sasaran").select_option("pages")
    page.get_by_label("Target", exact=True).fill("900000")
    page.locator("#check-output").get_by_text("No member could reach this target").wait_for()
    page.get_by_label("Target", exact=True).fill("300")
    page.locator("#check-output").get_by_text("Semua aturan terpenuhi.").wait_for()
    page.wait_for_function(
        "() => { const i = document.getElementById('card-preview');"
        " return i.complete && i.naturalWidth > 0 && i.src.includes('TantanganBacaDesember'); }"
    )
    page.locator('#texts-preview pre[data-platform="x"]').get_by_text(
        "#TantanganBacaDesember"
    ).wait_for()
    check_accessibility(page, axe_source)
    shoot(page, "challenge-new-filled")
    page.get_by_role("button", name="Buat").click()
    page.get_by_text("Tantangan dibuat.").wait_for()
    page.wait_for_function(
        "() => { const i = document.getElementById('card-preview');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    check_accessibility(page, axe_source)
    shoot(page, "challenge")
    challenge_url = page.url.split("?")[0]
    visit(page, axe_source, "/staff/challenges", "challenges")
    assert page.get_by_role("link", name="Tantangan Baca Desember").is_visible()

    # The same hashtag again is explained before submitting.
    page.goto("/staff/challenges/new")
    page.get_by_label("Judul").fill("Lagi")
    page.get_by_label("Tagar").fill("#TantanganBacaDesember")
    page.get_by_label("Mulai").fill("2026-11-20")
    page.get_by_label("Berakhir").fill("2026-11-25")
    page.get_by_label("Target", exact=True).fill("2")
    page.locator("#check-output").get_by_text("already the hashtag").wait_for()

    # Participants download.
    page.goto(challenge_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    assert download.value.suggested_filename.endswith("-participants.csv")

    # The review queue: approve both in bulk, the points move at once.
    visit(page, axe_source, "/staff/review", "review")
    assert page.get_by_text("melewati batas halaman harian").first.is_visible()
    page.get_by_label("Pilih semua").check()
    page.get_by_role("button", name="Setujui yang dipilih").click()
    page.get_by_text("sekarang 600 poin").wait_for()
    page.get_by_text("sekarang 650 poin").wait_for()
    check_accessibility(page, axe_source)
    shoot(page, "review-done")
    assert _points(live, reader) == 600
    visit(page, axe_source, f"/staff/members/{reader.id}", "member")
    assert page.locator("#points-total").inner_text() == "600"

    # Members, badges.
    visit(page, axe_source, "/staff/members?q=dewi", "members")
    assert page.get_by_role("link", name="Dewi Lestari").is_visible()
    visit(page, axe_source, "/staff/badges", "badges")
    page.get_by_label("Nama", exact=True).fill("Mustahil")
    page.get_by_label("Ukuran 1").select_option("pages")
    page.get_by_label("Target 1").fill("99999")
    page.get_by_label("Periode 1").select_option("day")
    page.locator("#badge-check").get_by_text("No member could ever earn this badge").wait_for()

    # New scoring rules: the dry run first, nothing changes until confirmed.
    visit(page, axe_source, "/staff/settings", "settings")
    page.get_by_label("Poin per halaman").fill("2")
    page.get_by_role("button", name="Lihat dampaknya").click()
    page.locator("#dry-gain").get_by_text("2 anggota akan bertambah poinnya").wait_for()
    check_accessibility(page, axe_source)
    shoot(page, "settings-dry-run")
    assert _points(live, reader) == 600
    page.get_by_role("button", name="Simpan aturan ini").click()
    page.get_by_text("Tersimpan.").wait_for()
    assert _points(live, reader) == 1200

    # English, and the keyboard: the skip link is the first stop and is visible.
    page.goto("/staff/review")
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Review queue").wait_for()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.locator(".skip").bounding_box()["x"] >= 0
    shoot(page, "review-english")
    assert context.outside_requests == []


def test_members_and_other_libraries_are_refused(context: Any, live: Any, axe_source: str) -> None:
    lib = live.factory.library("pasuruan")
    member = live.factory.member(lib)
    page = context.new_page()
    sign_in(page, member.email, PASSWORD)
    page.get_by_text("The console is for library staff and administrators.").wait_for()
    shoot(page, "login-refused")
    check_accessibility(page, axe_source)
    assert page.context.cookies() == [] or all(
        c["name"] != "bq_console" for c in page.context.cookies()
    )

    staff = live.factory.staff(lib)
    other = live.factory.staff(live.factory.library("semarang"))
    own = context.browser.new_context(base_url=live.url, bypass_csp=True)
    mine = own.new_page()
    sign_in(mine, staff.email, PASSWORD)
    mine.goto("/staff/challenges/new")
    mine.get_by_label("Judul").fill("Pasuruan Membaca")
    mine.get_by_label("Tagar").fill("#PasuruanMembaca")
    mine.get_by_label("Mulai").fill("2026-11-01")
    mine.get_by_label("Berakhir").fill("2026-11-30")
    mine.get_by_label("Target", exact=True).fill("3")
    mine.get_by_role("button", name="Buat").click()
    mine.get_by_text("Tantangan dibuat.").wait_for()
    url = mine.url.split("?")[0]
    own.close()

    sign_in(page, other.email, PASSWORD)
    response = page.goto(url)
    assert response is not None and response.status == 404
    shoot(page, "other-library-refused")
    assert "Pasuruan Membaca" not in page.content()


def test_a_form_posted_without_its_token_changes_nothing(context: Any, live: Any) -> None:
    lib = live.factory.library("probolinggo")
    staff = live.factory.staff(lib)
    reader = live.factory.member(lib)
    log = _flag(live, reader, 600)
    page = context.new_page()
    sign_in(page, staff.email, PASSWORD)
    # The browser holds the session cookie; a post without the form token is refused.
    response = page.request.post(
        f"{live.url}/staff/review", form={"action": "approve", "log_id": str(log["id"])}
    )
    assert response.status == 403
    forged = page.request.post(
        f"{live.url}/staff/review",
        form={"action": "approve", "log_id": str(log["id"]), "csrf_token": "forged"},
    )
    assert forged.status == 403
    assert _points(live, reader) == 0
    page.goto("/staff/review")
    assert page.get_by_text("Ronggeng Dukuh Paruk").is_visible()


def test_admin_pages_and_api_docs_work_offline(context: Any, live: Any, axe_source: str) -> None:
    live.factory.library("kotamobagu")
    admin = live.factory.admin()
    page = context.new_page()
    sign_in(page, admin.email, PASSWORD)
    visit(page, axe_source, "/staff/libraries", "libraries")
    page.get_by_role("link", name="Semua perpustakaan berdampingan").click()
    page.wait_for_url("**/staff/libraries/compare")
    visit(page, axe_source, "/staff/libraries/compare", "libraries-compare")
    side = page.get_by_role("table", name=re.compile("Angka setiap perpustakaan"))
    assert side.get_by_role("row").filter(has_text="kotamobagu").count() == 1
    page.goto("/staff/libraries")
    page.get_by_label("Pilih perpustakaan").select_option("kotamobagu")
    page.get_by_role("button", name="Pilih", exact=True).click()
    page.goto("/staff/challenges")
    assert page.get_by_text("Perpustakaan Kota Kotamobagu").first.is_visible()
    assert context.outside_requests == []

    docs = context.new_page()
    docs.goto("/docs")
    docs.locator(".swagger-ui .info .title").get_by_text("BacaQuest API").wait_for()
    shoot(docs, "docs")
    docs.goto("/redoc")
    docs.get_by_role("heading", name="BacaQuest API").first.wait_for()
    shoot(docs, "redoc")
    # Nothing the pages need comes from elsewhere (ReDoc's own logo link aside).
    assert [u for u in context.outside_requests if "redoc.ly" not in u] == []


def test_pages_fit_a_phone(browser: Any, live: Any, axe_source: str) -> None:
    lib = live.factory.library("phone")
    staff = live.factory.staff(lib)
    _flag(live, live.factory.member(lib), 600)
    phone = browser.new_context(
        base_url=live.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
    )
    page = phone.new_page()
    sign_in(page, staff.email, PASSWORD)
    for path, name in [
        ("/staff/challenges/new", "phone-challenge-new"),
        ("/staff/review", "phone-review"),
        ("/staff/settings", "phone-settings"),
    ]:
        visit(page, axe_source, path, name)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
    phone.close()


def test_dashboard_charts_and_reports(context: Any, live: Any, axe_source: str) -> None:
    lib = live.factory.library("semarang-dash")
    staff = live.factory.staff(lib)
    for pages in (30, 45):
        reader = live.factory.member(lib)
        r = httpx.post(
            f"{live.url}/v1/reading-logs",
            json={"book": {"title": "Laut Bercerita"}, "pages": pages},
            headers=live.factory.headers(reader),
        )
        assert r.status_code == 201
    page = context.new_page()
    sign_in(page, staff.email, PASSWORD)
    visit(page, axe_source, "/staff", "dashboard")
    # Everything the page took over the wire (HTML, styles, script, icon), uncached.
    transferred = page.evaluate(
        """() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .filter(e => !e.name.includes('axe'))
            .reduce((n, e) => n + Math.max(e.transferSize, e.encodedBodySize), 0)"""
    )
    assert 0 < transferred < 300_000, f"the dashboard transferred {transferred} bytes"

    # A chart says what it is, and its numbers are in the table beside it.
    chart = page.locator("svg#chart-2")
    assert "Halaman" in chart.locator("title").text_content()
    assert chart.get_attribute("role") == "img"
    table = page.get_by_role("table", name="Angka grafik: Halaman")
    today = table.get_by_role("row").filter(has_text="2026-11-17")
    assert today.get_by_role("cell").first.inner_text() == "75"
    assert page.get_by_role("heading", name="Komponen kegemaran membaca").is_visible()
    assert page.get_by_role("heading", name="Corong media sosial").is_visible()

    page.get_by_label("Kelompok usia").select_option("teens")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url("**/staff?*age_group=teens*")
    shoot(page, "dashboard-teens")

    # The same charts against the same period last year; the top lists beyond books.
    page.get_by_label("Bandingkan dengan").select_option("last_year")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url("**/staff?*compare=last_year*")
    table = page.get_by_role("table", name="Angka grafik: Halaman")
    assert table.get_by_role("columnheader", name="Tahun lalu").is_visible()
    check_accessibility(page, axe_source)
    shoot(page, "dashboard-last-year")
    assert page.get_by_role("heading", name="Pembaca teratas (nama panggilan)").is_visible()
    assert page.get_by_role("heading", name="Sekolah teraktif").is_visible()
    page.goto("/staff/lang/en")
    visit(page, axe_source, "/staff", "dashboard-english")
    assert page.get_by_role("heading", name="Top readers (by nickname)").is_visible()
    page.goto("/staff/lang/id")

    visit(page, axe_source, "/staff/reports?name=status", "reports")
    with page.expect_download() as csv:
        page.get_by_role("link", name="Unduh CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")
    assert Path(csv.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Unduh XLSX").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    assert Path(xlsx.value.path()).read_bytes()[:2] == b"PK"
    assert context.outside_requests == []

    phone = page.context.browser.new_context(
        base_url=live.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        bypass_csp=True,  # to inject axe; the policy itself is tested on its own
    )
    small = phone.new_page()
    sign_in(small, staff.email, PASSWORD)
    visit(small, axe_source, "/staff", "phone-dashboard")
    overflow = small.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    phone.close()
