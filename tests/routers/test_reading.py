"""Logging reading: points, caps, idempotency, the offline batch, listing and deleting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.security import create_access_token, decode_access_token
from app.models.reading import LedgerEntry, ReadingLog

PROBLEM = "application/problem+json"
ISBN = "9786020332956"  # a valid ISBN-13


def book(**kw):
    b = {"title": "Laskar Pelangi", "author": "Andrea Hirata", "isbn": ISBN, "genre": "Novel"}
    b.update(kw)
    return b


def log_body(**kw):
    body = {"book": book(), "pages": 40}
    body.update(kw)
    return body


def counts(factory):
    with factory.session() as s:
        logs = s.execute(select(func.count()).select_from(ReadingLog)).scalar_one()
        rows = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    return logs, rows


def ledger_sum(factory, member_id):
    with factory.session() as s:
        return s.execute(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.member_id == member_id
            )
        ).scalar_one()


@pytest.fixture
def reader(factory):
    return factory.member(factory.library("palu"))


def test_a_log_answers_with_everything_to_celebrate(client, factory, reader):
    r = client.post(
        "/v1/reading-logs",
        json=log_body(pages=120, finished=True, rating=5, hashtags=["#BacaPalu"]),
        headers=factory.headers(reader),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["log"]["status"] == "accepted"
    assert body["log"]["read_on"] == "2026-11-17"
    assert body["log"]["book"]["isbn13"] == ISBN
    codes = {a["rule_code"]: a["amount"] for a in body["awards"]}
    assert codes["reading.pages"] == 120
    assert codes["bonus.finished"] == 20
    assert body["totals"] == {"total": 140, "pending": 0}
    assert body["log"]["points"] == 140
    assert ledger_sum(factory, reader.id) == 140


def test_minutes_are_converted_per_day_so_none_are_lost(client, factory, reader):
    h = factory.headers(reader)
    totals = []
    for _ in range(3):
        r = client.post("/v1/reading-logs", json=log_body(pages=None, minutes=3), headers=h)
        assert r.status_code == 201
        totals.append(r.json()["totals"]["total"])
    assert totals == [1, 3, 4]  # 9 minutes → 4 points, the odd minute carried within the day


def test_over_the_daily_cap_waits_for_staff(client, factory, reader):
    h = factory.headers(reader)
    assert client.post("/v1/reading-logs", json=log_body(pages=450), headers=h).status_code == 201
    r = client.post("/v1/reading-logs", json=log_body(pages=100), headers=h)
    assert r.status_code == 201
    body = r.json()
    assert body["log"]["status"] == "pending_review"
    assert "daily_cap_pages" in body["log"]["review_reasons"]
    assert body["awards"] == []
    assert body["totals"] == {"total": 450, "pending": 100}
    points = client.get("/v1/me/points", headers=h).json()
    assert points["pending"] == 100
    assert points["total"] == 450


def test_implausibly_fast_reading_is_pending(client, factory, reader):
    r = client.post(
        "/v1/reading-logs", json=log_body(pages=100, minutes=10), headers=factory.headers(reader)
    )
    assert r.json()["log"]["status"] == "pending_review"
    assert r.json()["log"]["review_reasons"] == ["too_fast"]


def test_streak_bonus_from_the_third_day(client, factory, reader, clock):
    h = factory.headers(reader)
    bonuses = []
    for back in (2, 1, 0):
        read_on = (date(2026, 11, 17) - timedelta(days=back)).isoformat()
        r = client.post("/v1/reading-logs", json=log_body(pages=10, read_on=read_on), headers=h)
        bonuses.append(
            sum(a["amount"] for a in r.json()["awards"] if a["rule_code"] == "bonus.streak")
        )
    assert bonuses == [0, 0, 5]
    stats = client.get("/v1/me/stats", headers=h).json()
    assert stats["current_streak"] == 3
    assert stats["longest_streak"] == 3
    assert stats["pages"] == 30


def test_finishing_the_same_book_twice_pays_once(client, factory, reader):
    h = factory.headers(reader)
    first = client.post("/v1/reading-logs", json=log_body(pages=10, finished=True), headers=h)
    book_id = first.json()["log"]["book"]["id"]
    again = client.post(
        "/v1/reading-logs", json={"book_id": book_id, "pages": 10, "finished": True}, headers=h
    )
    assert [a["rule_code"] for a in again.json()["awards"]] == ["reading.pages"]
    assert client.get("/v1/me/stats", headers=h).json()["books_finished"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pages": -5}, "pages"),
        ({"pages": 0}, "pages"),
        ({"pages": 1_000_000}, "pages"),
        ({"pages": None, "minutes": 10_000}, "minutes"),
        ({"pages": None}, "body"),
        ({"rating": 6}, "rating"),
        ({"read_on": "2026-02-30"}, "read_on"),
        ({"read_on": "2026-11-18"}, "read_on"),  # tomorrow in Palu
        ({"read_on": "2026-11-09"}, "read_on"),  # 8 days back
        ({"book": book(isbn="9786020332957")}, "isbn"),  # bad check digit
        ({"book": book(isbn="0-306-40615-3")}, "isbn"),
        ({"book_id": 1}, "body"),  # both book and book_id
        ({"hashtags": ["tanpa-pagar"]}, "hashtags"),
        ({"note": "x" * 2001}, "note"),
        ({"pages": "banyak"}, "pages"),
    ],
)
def test_bad_logs_are_refused_and_write_nothing(client, factory, reader, change, field):
    before = counts(factory)
    r = client.post("/v1/reading-logs", json=log_body(**change), headers=factory.headers(reader))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert any(field in (e.get("field") or "") for e in r.json().get("errors", [])), r.json()
    assert counts(factory) == before


def test_unknown_book_id_is_404(client, factory, reader):
    r = client.post(
        "/v1/reading-logs", json={"book_id": 999, "pages": 5}, headers=factory.headers(reader)
    )
    assert r.status_code == 404
    assert counts(factory) == (0, 0)


def test_isbn10_is_stored_as_isbn13_and_never_twice(client, factory, reader):
    h = factory.headers(reader)
    a = client.post("/v1/reading-logs", json=log_body(book=book(isbn="0-306-40615-2")), headers=h)
    b = client.post(
        "/v1/reading-logs", json=log_body(book=book(isbn="978-0-306-40615-7")), headers=h
    )
    assert a.json()["log"]["book"]["isbn13"] == "9780306406157"
    assert a.json()["log"]["book"]["id"] == b.json()["log"]["book"]["id"]


def test_guardian_logs_for_own_child_but_not_for_others(client, factory, reader):
    child = factory.child(reader)
    stranger = factory.member(factory.library())
    strangers_child = factory.child(stranger)
    h = factory.headers(reader)
    ok = client.post("/v1/reading-logs", json=log_body(member_id=child.id), headers=h)
    assert ok.status_code == 201
    assert ok.json()["log"]["member_id"] == child.id
    before = counts(factory)
    r = client.post("/v1/reading-logs", json=log_body(member_id=strangers_child.id), headers=h)
    assert r.status_code == 404
    r = client.post("/v1/reading-logs", json=log_body(member_id=stranger.id), headers=h)
    assert r.status_code == 404
    assert counts(factory) == before


def test_child_token_logs_for_the_child(client, factory, reader):
    child = factory.child(reader)
    h = factory.child_headers(reader, child)
    r = client.post("/v1/reading-logs", json=log_body(), headers=h)
    assert r.json()["log"]["member_id"] == child.id
    r = client.post("/v1/reading-logs", json=log_body(member_id=reader.id), headers=h)
    assert r.status_code == 403


def test_idempotent_retry_returns_the_first_response(client, factory, reader):
    h = {**factory.headers(reader), "Idempotency-Key": "log-42"}
    first = client.post("/v1/reading-logs", json=log_body(pages=30), headers=h)
    second = client.post("/v1/reading-logs", json=log_body(pages=30), headers=h)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content  # the very same answer, byte for byte
    assert second.headers["content-type"] == "application/json"
    assert counts(factory)[0] == 1
    assert ledger_sum(factory, reader.id) == 30


def test_same_key_different_body_is_422(client, factory, reader):
    h = {**factory.headers(reader), "Idempotency-Key": "log-43"}
    client.post("/v1/reading-logs", json=log_body(pages=30), headers=h)
    r = client.post("/v1/reading-logs", json=log_body(pages=31), headers=h)
    assert r.status_code == 422
    assert r.json()["type"].endswith("idempotency-key-reused")
    assert counts(factory)[0] == 1


def test_keys_are_per_member_and_expire_after_72_hours(client, factory, reader, clock):
    other = factory.member(factory.library("semarang"))
    for who in (reader, other):
        h = {**factory.headers(who), "Idempotency-Key": "same"}
        assert client.post("/v1/reading-logs", json=log_body(), headers=h).status_code == 201
    assert counts(factory)[0] == 2
    clock.advance(hours=71)
    h = {**factory.headers(reader), "Idempotency-Key": "same"}
    client.post("/v1/reading-logs", json=log_body(), headers=h)
    assert counts(factory)[0] == 2
    clock.advance(hours=2)
    h = {**factory.headers(reader), "Idempotency-Key": "same"}
    client.post("/v1/reading-logs", json=log_body(), headers=h)
    assert counts(factory)[0] == 3


def test_batch_gives_per_item_results(client, factory, reader):
    h = factory.headers(reader)
    items = [
        {"client_id": "a", **log_body(pages=10)},
        {"client_id": "b", **log_body(pages=10, rating=9)},
        {"client_id": "c", **log_body(pages=495)},
        {"client_id": "d", "pages": 5},
    ]
    r = client.post("/v1/reading-logs/batch", json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    outcomes = [i["outcome"] for i in r.json()["items"]]
    assert outcomes == ["accepted", "error", "pending_review", "error"]
    assert r.json()["items"][1]["problem"]["status"] == 422
    again = client.post("/v1/reading-logs/batch", json={"items": items[:1]}, headers=h)
    assert again.json()["items"][0]["outcome"] == "duplicate"
    assert again.json()["items"][0]["result"] == r.json()["items"][0]["result"]
    assert counts(factory)[0] == 2


def test_batch_limits(client, factory, reader):
    h = factory.headers(reader)
    too_many = [{"client_id": str(i), **log_body(pages=1)} for i in range(101)]
    assert (
        client.post("/v1/reading-logs/batch", json={"items": too_many}, headers=h).status_code
        == 422
    )
    assert client.post("/v1/reading-logs/batch", json={"items": []}, headers=h).status_code == 422
    assert counts(factory)[0] == 0


def test_list_is_newest_first_with_cursor(client, factory, reader):
    h = factory.headers(reader)
    ids = [
        client.post("/v1/reading-logs", json=log_body(pages=i + 1), headers=h).json()["log"]["id"]
        for i in range(5)
    ]
    page1 = client.get("/v1/reading-logs", params={"limit": 3}, headers=h).json()
    page2 = client.get(
        "/v1/reading-logs", params={"limit": 3, "cursor": page1["next_cursor"]}, headers=h
    ).json()
    assert [x["id"] for x in page1["items"] + page2["items"]] == ids[::-1]
    assert page2["next_cursor"] is None
    other = factory.member()
    assert client.get("/v1/reading-logs", headers=factory.headers(other)).json()["items"] == []


def test_delete_reverses_points_with_compensating_rows(client, factory, reader):
    h = factory.headers(reader)
    keep = client.post("/v1/reading-logs", json=log_body(pages=10), headers=h).json()
    gone = client.post("/v1/reading-logs", json=log_body(pages=25, finished=True), headers=h).json()
    _, rows_before = counts(factory)
    r = client.delete(f"/v1/reading-logs/{gone['log']['id']}", headers=h)
    assert r.status_code == 204
    points = client.get("/v1/me/points", headers=h).json()
    assert points["total"] == 10 == ledger_sum(factory, reader.id)
    _, rows_after = counts(factory)
    assert rows_after > rows_before  # reversed by new rows, nothing erased
    ledger = client.get("/v1/me/points/ledger", headers=h).json()["items"]
    assert any(row["amount"] < 0 for row in ledger)
    assert client.delete(f"/v1/reading-logs/{gone['log']['id']}", headers=h).status_code == 404
    listed = client.get("/v1/reading-logs", headers=h).json()["items"]
    assert [x["id"] for x in listed] == [keep["log"]["id"]]


def test_nobody_deletes_someone_elses_log(client, factory, reader):
    log = client.post("/v1/reading-logs", json=log_body(), headers=factory.headers(reader)).json()
    for who in (factory.member(), factory.staff(factory.library())):
        r = client.delete(f"/v1/reading-logs/{log['log']['id']}", headers=factory.headers(who))
        assert r.status_code == 404
    assert ledger_sum(factory, reader.id) == 40


def test_a_log_needs_an_open_sign_in(client, factory, reader):
    pair = factory.tokens(reader)
    auth = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.post("/v1/reading-logs", json=log_body(), headers=auth).status_code == 201
    assert client.post("/v1/auth/logout", headers=auth).status_code == 204
    r = client.post("/v1/reading-logs", json=log_body(), headers=auth)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.post("/v1/reading-logs", json=log_body()).status_code == 401
    assert counts(factory)[0] == 1


def test_a_token_acting_for_someone_elses_child_logs_nothing(client, factory, reader, settings):
    other_parent = factory.member(factory.library("semarang"))
    child = factory.child(other_parent)
    # Signed by us, but the session belongs to `reader`, who is not this child's guardian.
    claims = decode_access_token(
        settings, factory.tokens(reader)["access_token"], factory.clock.now()
    )
    assert claims is not None
    forged = create_access_token(
        settings,
        factory.clock.now(),
        member_id=child.id,
        session_id=claims.session_id,
        actor_id=reader.id,
    )
    r = client.post(
        "/v1/reading-logs", json=log_body(), headers={"Authorization": f"Bearer {forged}"}
    )
    assert r.status_code == 401
    assert counts(factory)[0] == 0


CHALLENGE_TAG = "#TantanganBacaNovember"


def _rescore_would_change(client, factory, lib) -> int:
    staff = factory.headers(factory.staff(lib))
    r = client.post(f"/v1/libraries/{lib.slug}/rescore", json={"dry_run": True}, headers=staff)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def _minute_log(client, h, challenge_id: int | None = None) -> dict:
    """A minute-only log of today: with the challenge's hashtag it joins and counts x2;
    without (and out of the challenge) it counts x1."""
    body = log_body(pages=None, minutes=1)
    if challenge_id is not None:
        body["hashtags"] = [CHALLENGE_TAG]
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["log"]["status"] == "accepted"
    if challenge_id is not None:  # out again, so a later log counts x1
        assert client.delete(f"/v1/challenges/{challenge_id}/join", headers=h).is_success
    return r.json()


@pytest.fixture
def challenge_of(client, factory):
    from tests.factories import november_challenge

    def create(lib) -> int:
        staff = factory.headers(factory.staff(lib))
        r = client.post("/v1/challenges", json=november_challenge(), headers=staff)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    return create


def _live_equals_replay(client, factory, lib) -> None:
    from app.services.verify import check

    assert _rescore_would_change(client, factory, lib) == 0
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


@pytest.mark.parametrize("boosted_first", [True, False])
def test_minute_logs_in_and_out_of_a_challenge_earn_the_same_in_either_order(
    client, factory, challenge_of, boosted_first
):
    lib = factory.library("palu")
    challenge = challenge_of(lib)
    reader = factory.member(lib)
    h = factory.headers(reader)
    # 3 minutes inside the challenge (x2) and 1 minute outside it, on one day
    for inside in [True, True, True, False] if boosted_first else [False, True, True, True]:
        last = _minute_log(client, h, challenge if inside else None)
    # each multiplier's minutes convert on their own: 1 point at x2, the lone minute none
    assert last["totals"] == {"total": 2, "pending": 0}
    assert ledger_sum(factory, reader.id) == 2
    _live_equals_replay(client, factory, lib)


@pytest.mark.parametrize("raised_first", [True, False])
def test_minutes_of_one_day_at_two_multipliers_earn_the_same_in_either_order(
    client, factory, challenge_of, raised_first
):
    # staff change the challenge multiplier between x2 and x3 during the day (a phone
    # that was offline sends its earlier log late: it keeps the multiplier it was read
    # at): the day's 2 minutes above x1 make one point at the day's highest multiplier,
    # 3, whichever arrives first
    lib = factory.library("palu")
    challenge = challenge_of(lib)
    staff = factory.headers(factory.staff(lib))
    reader = factory.member(lib)
    h = factory.headers(reader)

    def set_multiplier(n: int) -> None:
        body = {"scoring": {"challenge_multiplier": n}}
        r = client.patch(f"/v1/libraries/{lib.slug}", json=body, headers=staff)
        assert r.status_code == 200, r.text

    for n in (3, 2) if raised_first else (2, 3):
        set_multiplier(n)
        last = _minute_log(client, h, challenge)
    assert last["totals"] == {"total": 3, "pending": 0}
    assert ledger_sum(factory, reader.id) == 3
    _live_equals_replay(client, factory, lib)


def test_deleting_a_minute_log_keeps_each_multipliers_minutes_apart(client, factory, challenge_of):
    lib = factory.library("palu")
    challenge = challenge_of(lib)
    h = factory.headers(factory.member(lib))
    _minute_log(client, h)
    _minute_log(client, h, challenge)
    last = _minute_log(client, h)
    assert last["totals"]["total"] == 1  # the two x1 minutes make a point
    assert client.delete(f"/v1/reading-logs/{last['log']['id']}", headers=h).status_code == 204
    # one x1 minute and one x2 minute are left: neither class has a point's worth, and
    # the next x2 minute makes the x2 point (doubled), not the x1 one
    assert _minute_log(client, h, challenge)["totals"]["total"] == 2
    _live_equals_replay(client, factory, lib)
