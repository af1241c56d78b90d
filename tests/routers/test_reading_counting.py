"""Counting a log: a reading never holds more pages than its book, genres count once each,
the analytics count a log's points once, a guardian's offline batch logs for the child,
and a refused day says why, on its field."""

from __future__ import annotations

from tests.routers.test_reading import PROBLEM, book


def _log(client, headers, **body):
    r = client.post("/v1/reading-logs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _book_id(client, headers, pages=100, genre="Novel"):
    body = _log(client, headers, book=book(pages=pages, genre=genre), pages=1, finished=True)
    return body["log"]["book"]["id"]


def test_a_reading_of_a_book_holds_no_more_pages_than_the_book(client, factory):
    reader = factory.member(factory.library("palu"))
    h = factory.headers(reader)
    book_id = _book_id(client, h)  # finished once: the next reading starts afresh
    assert _log(client, h, book_id=book_id, pages=60)["log"]["status"] == "accepted"
    # 60 + 41 pages of a 100-page book: the second log waits for staff
    beyond = _log(client, h, book_id=book_id, pages=41)
    assert beyond["log"]["status"] == "pending_review"
    assert beyond["log"]["review_reasons"] == ["beyond_book_pages"]


def test_up_to_the_last_page_counts_and_a_finished_book_starts_afresh(client, factory):
    reader = factory.member(factory.library("palu"))
    h = factory.headers(reader)
    book_id = _book_id(client, h)
    assert _log(client, h, book_id=book_id, pages=60)["log"]["status"] == "accepted"
    last = _log(client, h, book_id=book_id, pages=40, finished=True)
    assert last["log"]["status"] == "accepted"
    # finished: a new reading of the whole book counts, a page beyond it does not
    whole = _log(client, h, book_id=book_id, pages=100)
    assert whole["log"]["status"] == "accepted"
    one_more = _log(client, h, book_id=book_id, pages=1)
    assert one_more["log"]["status"] == "pending_review"
    assert one_more["log"]["review_reasons"] == ["beyond_book_pages"]


def test_the_whole_book_after_some_of_it_is_beyond_the_book(client, factory):
    reader = factory.member(factory.library("palu"))
    h = factory.headers(reader)
    book_id = _book_id(client, h)
    assert _log(client, h, book_id=book_id, pages=10)["log"]["status"] == "accepted"
    again = _log(client, h, book_id=book_id, pages=100)
    assert again["log"]["status"] == "pending_review"
    assert again["log"]["review_reasons"] == ["beyond_book_pages"]
    # another member's reading of the book is theirs alone
    other = factory.headers(factory.member(factory.library("sigi")))
    assert _log(client, other, book_id=book_id, pages=100)["log"]["status"] == "accepted"


def test_each_genre_counts_once_in_the_members_stats(client, factory):
    reader = factory.member(factory.library("palu"))
    h = factory.headers(reader)

    def genres():
        return client.get("/v1/me/stats", headers=h).json()["genres"]

    _log(client, h, book=book(genre="Novel"), pages=10)
    assert genres() == 1
    _log(client, h, book=book(genre="Novel"), pages=10)
    assert genres() == 1
    _log(client, h, book=book(title="Kancil", isbn=None, genre="Dongeng"), pages=10)
    assert genres() == 2
    _log(client, h, book=book(title="Tanpa Genre", isbn=None, genre=None), pages=10)
    assert genres() == 2


def test_the_librarys_figures_count_a_logs_points_once(client, factory):
    lib = factory.library("palu")
    reader = factory.member(lib)
    staff = factory.staff(lib)
    body = _log(client, factory.headers(reader), book=book(), pages=40, finished=True)
    points = body["totals"]["total"]
    assert points == 60  # 40 pages and the finished book
    r = client.get(
        "/v1/analytics/summary",
        params={"start": "2026-11-01", "end": "2026-11-30"},
        headers=factory.headers(staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["points"] == {"reading": 40, "bonus": 20, "total": 60}
    assert r.json()["logs"] == 1


def test_a_guardians_offline_batch_logs_for_the_child(client, factory):
    lib = factory.library("palu")
    guardian = factory.member(lib, age=40)
    child = factory.child(guardian, age=9, nickname="Kancil")
    r = client.post(
        "/v1/reading-logs/batch",
        json={"items": [{"client_id": "c-1", "book": book(), "pages": 12, "member_id": child.id}]},
        headers=factory.headers(guardian),
    )
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert item["outcome"] == "accepted", item
    assert item["result"]["log"]["member_id"] == child.id
    h = factory.headers(guardian)
    mine = client.get("/v1/reading-logs", headers=h).json()["items"]
    assert mine == []
    kids = client.get("/v1/reading-logs", params={"member_id": child.id}, headers=h).json()
    assert [x["pages"] for x in kids["items"]] == [12]


def test_a_day_outside_the_window_is_refused_on_read_on_with_the_reason(client, factory):
    reader = factory.member(factory.library("palu"))
    r = client.post(
        "/v1/reading-logs",
        json={"book": book(), "pages": 10, "read_on": "2026-11-18"},  # tomorrow in Palu
        headers=factory.headers(reader),
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert [e["field"] for e in problem["errors"]] == ["read_on"]
    assert problem["detail"] == "Read_on 2026-11-18 is in the future (today is 2026-11-17)"
