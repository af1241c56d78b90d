"""Console review queue, badges, members and the administrator's libraries."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.console.helpers import sign_in


def flagged(client, factory, reader, pages=600):
    r = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": pages},
        headers=factory.headers(reader),
    )
    assert r.json()["log"]["status"] == "pending_review"
    return r.json()["log"]


def points(client, factory, member) -> dict:
    return client.get("/v1/me/points", headers=factory.headers(member)).json()


def test_bulk_approve_moves_points_at_once(client: TestClient, factory):
    lib = factory.library("palu")
    a, b = factory.member(lib), factory.member(lib)
    logs = [flagged(client, factory, a), flagged(client, factory, b, pages=700)]
    token = sign_in(client, factory.staff(lib).email)
    queue = client.get("/staff/review")
    assert "melewati batas halaman harian" in queue.text
    assert "Ronggeng Dukuh Paruk" in queue.text
    response = client.post(
        "/staff/review",
        data={
            "csrf_token": token,
            "action": "approve",
            "log_id": [x["id"] for x in logs],
            "note": "Dicek di meja layanan",
        },
    )
    assert response.status_code == 200
    assert "sekarang 600 poin" in response.text and "sekarang 700 poin" in response.text
    assert points(client, factory, a)["total"] == 600
    assert points(client, factory, b)["total"] == 700
    assert "Tidak ada log yang menunggu tinjauan." in response.text
    mine = client.get("/v1/reading-logs", headers=factory.headers(a)).json()["items"]
    assert mine[0]["review_note"] == "Dicek di meja layanan"
    # Deciding again fails for that log alone, and changes nothing.
    again = client.post(
        "/staff/review", data={"csrf_token": token, "action": "reject", "log_id": logs[0]["id"]}
    )
    assert "not waiting for review" in again.text
    assert points(client, factory, a)["total"] == 600


def test_review_without_token_or_from_another_library_changes_nothing(client, factory):
    lib = factory.library("palu")
    reader = factory.member(lib)
    log = flagged(client, factory, reader)
    sign_in(client, factory.staff(lib).email)
    no_token = client.post("/staff/review", data={"action": "approve", "log_id": log["id"]})
    assert no_token.status_code == 403
    other = TestClient(client.app)
    token = sign_in(other, factory.staff(factory.library("semarang")).email)
    assert "Ronggeng" not in other.get("/staff/review").text
    refused = other.post(
        "/staff/review", data={"csrf_token": token, "action": "approve", "log_id": log["id"]}
    )
    assert "was not found" in refused.text
    assert points(client, factory, reader) == {
        "total": 0,
        "pending": 600,
        "reading": 0,
        "bonus": 0,
        "by_rule": {},
    }


def test_badges_catalogue_holders_and_reachability(client: TestClient, factory):
    lib = factory.library()
    token = sign_in(client, factory.staff(lib).email)
    unreachable = {
        "csrf_token": token,
        "name": "Mustahil",
        "metric": ["pages"],
        "target": ["9999"],
        "period": ["day"],
    }
    check = client.post("/staff/badges/check", data=unreachable)
    assert "No member could ever earn this badge" in check.text
    refused = client.post("/staff/badges", data=unreachable)
    assert refused.status_code == 422 and "No member could ever earn" in refused.text
    created = client.post(
        "/staff/badges",
        data={
            "csrf_token": token,
            "name": "Pembaca Awal",
            "metric": ["pages"],
            "target": ["10"],
            "period": ["all_time"],
            "bonus_points": "5",
        },
    )
    assert "Lencana dibuat." in created.text
    reader = factory.member(lib, nickname="Kutu")
    client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Laskar Pelangi"}, "pages": 12},
        headers=factory.headers(reader),
    )
    page = client.get("/staff/badges").text
    assert "Pembaca Awal" in page and "Kutu" in page


def test_members_search_and_a_child_by_nickname_only(client: TestClient, factory):
    lib = factory.library()
    guardian = factory.member(lib, display_name="Ibu Sari Wulandari", school="SMA 2")
    child = factory.child(guardian, nickname="Kancil")
    factory.member(factory.library(), display_name="Sari Lain")  # another library's
    sign_in(client, factory.staff(lib).email)
    found = client.get("/staff/members", params={"q": "sari"}).text
    assert "Ibu Sari Wulandari" in found and "Sari Lain" not in found
    by_school = client.get("/staff/members", params={"q": "sd negeri"}).text
    assert "Kancil" in by_school and child.display_name not in by_school
    detail = client.get(f"/staff/members/{guardian.id}").text
    assert "Kancil" in detail and child.display_name not in detail
    child_page = client.get(f"/staff/members/{child.id}").text
    assert "Ibu Sari Wulandari" in child_page and child.display_name not in child_page
    assert client.get("/staff/members", params={"q": "100%_"}).status_code == 200


def test_admin_picks_a_library_creates_one_and_appoints_staff(client: TestClient, factory):
    palu = factory.library("palu")
    reader = factory.member(palu, display_name="Calon Pustakawan")
    admin = factory.admin()
    token = sign_in(client, admin.email)
    assert client.get("/staff/challenges", follow_redirects=False).headers["location"] == (
        "/staff/libraries"
    )
    client.post("/staff/libraries/choose", data={"csrf_token": token, "slug": "palu"})
    assert palu.name in client.get("/staff/challenges").text
    created = client.post(
        "/staff/libraries",
        data={
            "csrf_token": token,
            "slug": "kotamobagu",
            "name": "Perpustakaan Kotamobagu",
            "city": "Kotamobagu",
            "timezone": "Asia/Makassar",
            "hashtags": "#PerpusKotamobagu",
        },
    )
    assert "Perpustakaan dibuat." in created.text
    assert client.get("/v1/libraries/kotamobagu").json()["hashtags"] == ["#PerpusKotamobagu"]
    bad = client.post(
        "/staff/libraries",
        data={"csrf_token": token, "slug": "x1", "name": "X", "city": "X", "timezone": "Mars/Base"},
    )
    assert bad.status_code == 422
    appointed = client.post(
        "/staff/libraries/staff", data={"csrf_token": token, "member_id": reader.id}
    )
    assert appointed.status_code == 200
    assert client.get("/v1/me", headers=factory.headers(reader)).json()["role"] == "staff"


def test_staff_cannot_use_the_admin_pages(client: TestClient, factory):
    lib = factory.library()
    reader = factory.member(lib)
    token = sign_in(client, factory.staff(lib).email)
    assert client.get("/staff/libraries").status_code == 403
    r = client.post("/staff/libraries/staff", data={"csrf_token": token, "member_id": reader.id})
    assert r.status_code == 403
    assert client.get("/v1/me", headers=factory.headers(reader)).json()["role"] == "member"
