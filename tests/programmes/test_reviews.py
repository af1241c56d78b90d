"""Reviews and testimonials through the API: a finished book can be reviewed; staff approve
in the moderation area; points once per book; the book's public reviews, average and
readers; feedback shown on the library's page only with consent."""

from __future__ import annotations

import pytest

from app.scoring.programmes import PROGRAMME_REVIEW, REVIEW_POINTS

PROBLEM = "application/problem+json"


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


def finish(client, h, title="Laskar Pelangi", finished=True):
    r = client.post(
        "/v1/reading-logs",
        json={
            "book": {"title": title, "author": "Andrea Hirata"},
            "pages": 10,
            "finished": finished,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()["log"]["book"]["id"]


def review(client, h, book_id, rating=5, text="Kisah yang menyentuh dan lucu."):
    return client.post(
        f"/v1/books/{book_id}/reviews", json={"rating": rating, "text": text}, headers=h
    )


def test_a_review_is_public_after_approval_and_pays_once(client, factory, palu, staff):
    a = factory.member(palu, nickname="ikal")
    ha = factory.headers(a)
    book_id = finish(client, ha)
    r = review(client, ha, book_id)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    again = review(client, ha, book_id)
    assert again.status_code == 409 and again.json()["type"].endswith("already-reviewed")

    public = client.get(f"/v1/libraries/palu/books/{book_id}/reviews").json()
    assert public["reviews"] == [] and public["average_rating"] is None and public["readers"] == 1

    sh = factory.headers(staff)
    queue = client.get("/v1/moderation/reviews", headers=sh).json()["items"]
    assert [q["id"] for q in queue] == [r.json()["id"]] and queue[0][
        "book_title"
    ] == "Laskar Pelangi"
    ok = client.post(f"/v1/moderation/reviews/{queue[0]['id']}/approve", headers=sh)
    assert ok.status_code == 200, ok.text
    assert [(p["rule_code"], p["amount"]) for p in ok.json()["points"]] == [
        (PROGRAMME_REVIEW, REVIEW_POINTS)
    ]
    twice = client.post(f"/v1/moderation/reviews/{queue[0]['id']}/approve", headers=sh)
    assert twice.status_code == 409 and twice.json()["type"].endswith("already-decided")
    points = client.get("/v1/me/points", headers=ha).json()["by_rule"]
    assert points[PROGRAMME_REVIEW] == REVIEW_POINTS

    b = factory.member(palu)
    hb = factory.headers(b)
    finish(client, hb)
    rb = review(client, hb, book_id, rating=2, text="Terlalu panjang bagiku.")
    client.post(f"/v1/moderation/reviews/{rb.json()['id']}/approve", headers=sh)
    page = client.get(f"/v1/libraries/palu/books/{book_id}/reviews").json()
    assert page["average_rating"] == 3.5 and page["reviews_count"] == 2 and page["readers"] == 2
    assert [x["reviewer"] for x in page["reviews"]] == [b.display_name, "ikal"]
    first = client.get(f"/v1/libraries/palu/books/{book_id}/reviews?limit=1").json()
    assert len(first["reviews"]) == 1 and first["next_cursor"]
    # another library shows its own readers and reviews only
    assert client.get(f"/v1/libraries/semarang/books/{book_id}/reviews").status_code == 404
    factory.library("semarang")
    other = client.get(f"/v1/libraries/semarang/books/{book_id}/reviews").json()
    assert (other["readers"], other["reviews_count"]) == (0, 0)


def test_only_finished_books_and_a_rejected_review_may_be_rewritten(client, factory, palu, staff):
    reader = factory.member(palu)
    h = factory.headers(reader)
    book_id = finish(client, h, title="Cantik Itu Luka", finished=False)
    r = review(client, h, book_id)
    assert r.status_code == 409 and r.json()["type"].endswith("not-finished")
    assert review(client, h, 999999).status_code == 404
    for body in ({"rating": 6, "text": "Bagus sekali bukunya."}, {"rating": 4, "text": "ok"}, {}):
        bad = client.post(f"/v1/books/{book_id}/reviews", json=body, headers=h)
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    finish(client, h, title="Cantik Itu Luka")
    first = review(client, h, book_id).json()
    sh = factory.headers(staff)
    no = client.post(
        f"/v1/moderation/reviews/{first['id']}/reject",
        json={"reason": "Mengandung bocoran."},
        headers=sh,
    )
    assert no.status_code == 200 and no.json()["status"] == "rejected"
    mine = client.get("/v1/reviews/mine", headers=h).json()
    assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "Mengandung bocoran."
    rewritten = review(client, h, book_id, text="Tanpa bocoran: kisah yang kuat.")
    assert rewritten.status_code == 201 and rewritten.json()["status"] == "pending"
    client.post(f"/v1/moderation/reviews/{first['id']}/approve", headers=sh)
    total = client.get("/v1/me/points", headers=h).json()["by_rule"][PROGRAMME_REVIEW]
    assert total == REVIEW_POINTS
    # staff of another library cannot decide it, members cannot reach the queue
    other = factory.headers(factory.staff(factory.library("kotamobagu")))
    assert (
        client.post(f"/v1/moderation/reviews/{first['id']}/reject", headers=other).status_code
        == 404
    )
    assert client.get("/v1/moderation/reviews", headers=h).status_code == 403


def test_a_child_reviews_by_nickname(client, factory, palu, staff):
    guardian = factory.member(palu)
    child = factory.child(guardian, nickname="Kancil")
    ch = factory.child_headers(guardian, child)
    book_id = finish(client, ch)
    r = review(client, ch, book_id)
    client.post(f"/v1/moderation/reviews/{r.json()['id']}/approve", headers=factory.headers(staff))
    page = client.get(f"/v1/libraries/palu/books/{book_id}/reviews").json()
    assert [x["reviewer"] for x in page["reviews"]] == ["Kancil"]
    assert "Anak Lengkap" not in str(page)


def test_feedback_becomes_a_testimonial_only_with_consent(client, factory, palu, staff):
    yes = factory.member(palu, nickname="dewi_baca")
    no = factory.member(palu)
    fy = client.post(
        "/v1/feedback",
        json={
            "rating": 5,
            "text": "Anak saya jadi <b>rajin</b> membaca!",
            "consent_to_publish": True,
        },
        headers=factory.headers(yes),
    )
    fn = client.post(
        "/v1/feedback",
        json={"rating": 3, "text": "Aplikasinya lambat."},
        headers=factory.headers(no),
    )
    assert fy.status_code == fn.status_code == 201
    sh = factory.headers(staff)
    listed = client.get("/v1/feedback", headers=sh).json()["items"]
    assert [f["id"] for f in listed] == [fn.json()["id"], fy.json()["id"]]
    refused = client.post(
        f"/v1/feedback/{fn.json()['id']}/testimonial", json={"testimonial": True}, headers=sh
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("no-consent")
    ok = client.post(
        f"/v1/feedback/{fy.json()['id']}/testimonial", json={"testimonial": True}, headers=sh
    )
    assert ok.status_code == 200 and ok.json()["testimonial"] is True
    shown = client.get("/v1/libraries/palu/testimonials").json()
    assert shown == [
        {"name": "dewi_baca", "rating": 5, "text": "Anak saya jadi <b>rajin</b> membaca!"}
    ]
    page = client.get("/l/palu")
    assert "Kata pembaca" in page.text and "dewi_baca" in page.text
    assert "&lt;b&gt;rajin&lt;/b&gt;" in page.text and "Aplikasinya lambat" not in page.text
    assert "What readers say" in client.get("/l/palu?lang=en").text
    off = client.post(
        f"/v1/feedback/{fy.json()['id']}/testimonial", json={"testimonial": False}, headers=sh
    )
    assert off.status_code == 200 and client.get("/v1/libraries/palu/testimonials").json() == []
    assert client.get("/v1/feedback", headers=factory.headers(yes)).status_code == 403
    bad = client.post("/v1/feedback", json={"rating": 0, "text": "x"}, headers=factory.headers(yes))
    assert bad.status_code == 422
