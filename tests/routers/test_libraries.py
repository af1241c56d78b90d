"""Libraries: public reads, admin creation, settings only by the library's own staff."""

from __future__ import annotations

import pytest

from app.models.library import Library

PROBLEM = "application/problem+json"


def new_library(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "slug": "makassar",
        "name": "Perpustakaan Kota Makassar",
        "city": "Makassar",
        "timezone": "Asia/Makassar",
        "hashtags": ["#PerpustakaanMakassar", "#LiterasiDigital"],
    }
    body.update(kw)
    return body


def stored(factory, slug: str) -> Library | None:
    from sqlalchemy import select

    with factory.session() as s:
        return s.execute(select(Library).where(Library.slug == slug)).scalar_one_or_none()


def test_anyone_lists_and_reads_libraries(client, factory):
    for slug in ["palu", "semarang", "kotamobagu"]:
        factory.library(slug)
    r = client.get("/v1/libraries", params={"limit": 2})
    assert r.status_code == 200
    page = r.json()
    assert [x["slug"] for x in page["items"]] == ["kotamobagu", "palu"]
    nxt = client.get("/v1/libraries", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [x["slug"] for x in nxt["items"]] == ["semarang"]
    assert nxt["next_cursor"] is None
    one = client.get("/v1/libraries/palu").json()
    assert one["timezone"] == "Asia/Makassar"
    assert one["scoring"]["daily_cap_pages"] == 500


def test_bad_cursor_is_400(client):
    r = client.get("/v1/libraries", params={"cursor": "not-a-cursor!"})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM


def test_admin_creates_a_library(client, factory):
    admin = factory.admin()
    r = client.post("/v1/libraries", json=new_library(), headers=factory.headers(admin))
    assert r.status_code == 201, r.text
    assert r.json()["hashtags"] == ["#PerpustakaanMakassar", "#LiterasiDigital"]
    assert stored(factory, "makassar") is not None
    again = client.post("/v1/libraries", json=new_library(), headers=factory.headers(admin))
    assert again.status_code == 409


def test_staff_and_members_cannot_create_libraries(client, factory):
    lib = factory.library("palu")
    for who in [factory.staff(lib), factory.member(lib)]:
        r = client.post("/v1/libraries", json=new_library(), headers=factory.headers(who))
        assert r.status_code == 403
    assert client.post("/v1/libraries", json=new_library()).status_code == 401
    assert stored(factory, "makassar") is None


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Asia/Atlantis"},
        {"timezone": "WITA"},
        {"hashtags": ["PerpustakaanPalu"]},
        {"hashtags": ["#Perpustakaan Palu"]},
        {"hashtags": ["#2026"]},
        {"hashtags": ["#"]},
        {"slug": "Not A Slug"},
        {"name": "x" * 200},
        {"scoring": {"daily_cap_pages": 0}},
        {"scoring": {"points_per_page": "many"}},
        {"primary_color": "blue"},
    ],
)
def test_bad_library_input_is_422_and_writes_nothing(client, factory, change):
    admin = factory.admin()
    r = client.post("/v1/libraries", json=new_library(**change), headers=factory.headers(admin))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"]
    assert stored(factory, "makassar") is None


def test_staff_edit_their_own_library_settings(client, factory):
    palu = factory.library("palu")
    staff = factory.staff(palu)
    r = client.patch(
        "/v1/libraries/palu",
        json={
            "hashtags": ["#PerpustakaanPalu", "#perpustakaanpalu", "#BacaPalu"],
            "scoring": {"daily_cap_pages": 400},
        },
        headers=factory.headers(staff),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hashtags"] == [
        "#PerpustakaanPalu",
        "#BacaPalu",
    ]  # case-insensitive duplicate dropped
    assert body["scoring"]["daily_cap_pages"] == 400
    assert body["scoring"]["points_per_page"] == 1  # other settings kept
    assert stored(factory, "palu").scoring["daily_cap_pages"] == 400


def test_staff_of_palu_cannot_touch_semarang(client, factory):
    palu, semarang = factory.library("palu"), factory.library("semarang")
    staff = factory.staff(palu)
    r = client.patch(
        "/v1/libraries/semarang", json={"name": "Diambil alih"}, headers=factory.headers(staff)
    )
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    assert stored(factory, "semarang").name == semarang.name


def test_member_cannot_edit_settings(client, factory):
    palu = factory.library("palu")
    r = client.patch(
        "/v1/libraries/palu", json={"name": "X"}, headers=factory.headers(factory.member(palu))
    )
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    assert stored(factory, "palu").name == palu.name


def test_unknown_time_zone_on_update_changes_nothing(client, factory):
    palu = factory.library("palu")
    r = client.patch(
        "/v1/libraries/palu",
        json={"timezone": "Mars/Olympus", "name": "Baru"},
        headers=factory.headers(factory.staff(palu)),
    )
    assert r.status_code == 422
    lib = stored(factory, "palu")
    assert lib.timezone == "Asia/Makassar"
    assert lib.name == palu.name


def test_admin_appoints_staff_only_within_the_library(client, factory):
    palu, semarang = factory.library("palu"), factory.library("semarang")
    admin = factory.admin()
    reader = factory.member(palu)
    r = client.post(
        "/v1/libraries/semarang/staff",
        json={"member_id": reader.id},
        headers=factory.headers(admin),
    )
    assert r.status_code == 409
    r = client.post(
        "/v1/libraries/palu/staff", json={"member_id": reader.id}, headers=factory.headers(admin)
    )
    assert r.status_code == 200
    assert r.json()["role"] == "staff"
    staff = factory.staff(semarang)
    r = client.post(
        "/v1/libraries/semarang/staff",
        json={"member_id": reader.id},
        headers=factory.headers(staff),
    )
    assert r.status_code == 403
