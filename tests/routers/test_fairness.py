"""Moderation and fairness: an approved log shows its points, staff never review their own
logs, staff stay off the members' boards, pages beyond the book go to review, and a
review's reason reaches the member."""

from __future__ import annotations

import pytest

from app.models.library import Library
from app.services.verify import check


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def post_log(client, h, **kw):
    if "book_id" not in kw:
        kw["book"] = kw.get("book", {"title": "Ronggeng Dukuh Paruk"})
    body = kw
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def approve(client, h, log_id, **body):
    return client.post(
        f"/v1/moderation/reading-logs/{log_id}/approve", json=body or None, headers=h
    )


def reject(client, h, log_id, **body):
    return client.post(f"/v1/moderation/reading-logs/{log_id}/reject", json=body or None, headers=h)


def test_an_approved_log_shows_the_points_its_ledger_booked(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = post_log(client, h, pages=600)["log"]
    assert log["status"] == "pending_review" and log["pending_points"] == 600
    r = approve(client, factory.headers(factory.staff(palu)), log["id"])
    assert r.status_code == 200, r.text
    assert r.json()["log"]["points"] == 600
    listed = client.get("/v1/reading-logs", headers=h).json()["items"]
    assert [(i["id"], i["points"], i["pending_points"]) for i in listed] == [(log["id"], 600, 0)]
    shared = client.post(
        "/v1/share",
        json={"subject": {"type": "reading_log", "id": log["id"]}, "platforms": ["whatsapp"]},
        headers=h,
    )
    assert shared.status_code == 201, shared.text
    assert "+600 poin" in shared.json()["payloads"]["whatsapp"]["text"]
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_staff_never_moderate_their_own_logs(client, factory, palu):
    staff = factory.staff(palu)
    h = factory.headers(staff)
    own = post_log(client, h, pages=600)["log"]
    for decide in (approve, reject):
        r = decide(client, h, own["id"])
        assert r.status_code == 403, r.text
        assert r.json()["type"].endswith("own-log")
    child = factory.child(staff)
    kid = post_log(client, factory.child_headers(staff, child), pages=600)["log"]
    assert approve(client, h, kid["id"]).status_code == 403  # nor their child's
    colleague = factory.headers(factory.staff(palu))
    assert approve(client, colleague, own["id"]).status_code == 200
    admin = factory.headers(factory.admin())
    assert approve(client, admin, kid["id"]).status_code == 200


def test_staff_are_off_the_public_boards_unless_the_library_says_so(client, factory, palu):
    reader = factory.member(palu, display_name="Siti")
    staff = factory.staff(palu)
    post_log(client, factory.headers(reader), pages=10)
    post_log(client, factory.headers(staff), pages=40)
    rh, sh = factory.headers(reader), factory.headers(staff)

    def board(h):
        r = client.get("/v1/leaderboards?scope=library&period=all_time", headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    seen = board(rh)
    assert [e["member_id"] for e in seen["entries"]] == [reader.id]
    assert seen["me"]["rank"] == 1 and seen["total_ranked"] == 1
    mine = board(sh)
    assert [e["member_id"] for e in mine["entries"]] == [reader.id]
    assert mine["me"]["points"] == 40  # staff still see where they would stand
    assert client.get("/v1/libraries/palu").json()["staff_on_boards"] is False
    r = client.patch("/v1/libraries/palu", json={"staff_on_boards": True}, headers=sh)
    assert r.status_code == 200 and r.json()["staff_on_boards"] is True
    assert [e["member_id"] for e in board(rh)["entries"]] == [staff.id, reader.id]


def test_pages_beyond_the_book_go_to_review_with_that_reason(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    book = {"title": "Bumi Manusia", "pages": 529}
    first = post_log(client, h, book=book, pages=300, minutes=200, read_on="2026-11-15")["log"]
    assert first["status"] == "accepted"
    book_id = first["book"]["id"]
    second = post_log(client, h, book_id=book_id, pages=229, minutes=100, read_on="2026-11-16")[
        "log"
    ]
    assert second["status"] == "accepted"  # exactly the book: fine
    third = post_log(client, h, book_id=book_id, pages=1, minutes=5)["log"]
    assert third["status"] == "pending_review"
    assert third["review_reasons"] == ["beyond_book_pages"]
    other = factory.member(palu)
    big = post_log(client, factory.headers(other), book_id=book_id, pages=715, minutes=300)["log"]
    assert "beyond_book_pages" in big["review_reasons"]
    # a book finished and read again starts over
    done = post_log(
        client, h, book={"title": "Pulang", "pages": 100}, pages=100, minutes=60, finished=True
    )["log"]
    again = post_log(client, h, book_id=done["book"]["id"], pages=80, minutes=60)["log"]
    assert again["status"] == "accepted"


def test_a_review_reason_reaches_the_member(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    staff = factory.headers(factory.staff(palu))
    a = post_log(client, h, pages=600)["log"]
    b = post_log(client, h, pages=700)["log"]
    r = reject(client, staff, a["id"], reason="Satu hari 600 halaman tidak masuk akal.")
    assert r.status_code == 200, r.text
    assert r.json()["review_note"] == "Satu hari 600 halaman tidak masuk akal."
    ok = approve(client, staff, b["id"], reason="Sudah dicek dengan petugas.")
    assert ok.json()["log"]["review_note"] == "Sudah dicek dengan petugas."
    listed = {i["id"]: i for i in client.get("/v1/reading-logs", headers=h).json()["items"]}
    assert listed[a["id"]]["review_note"] == "Satu hari 600 halaman tidak masuk akal."
    assert listed[b["id"]]["review_note"] == "Sudah dicek dengan petugas."
    assert (
        reject(client, staff, post_log(client, h, pages=900)["log"]["id"]).json()["review_note"]
        is None
    )
    too_long = reject(client, staff, post_log(client, h, pages=901)["log"]["id"], reason="x" * 501)
    assert too_long.status_code == 422


def test_library_staff_setting_is_staffs_to_change(client, factory, palu):
    member = factory.headers(factory.member(palu))
    assert (
        client.patch(
            "/v1/libraries/palu", json={"staff_on_boards": True}, headers=member
        ).status_code
        == 403
    )
    with factory.session() as s:
        assert s.get(Library, palu.id).staff_on_boards is False
