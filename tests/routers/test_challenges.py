"""Challenges: staff isolation, eligibility, windows, joining by hashtag, completion once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models.challenge import Challenge, ChallengeParticipant
from app.models.reading import LedgerEntry

PROBLEM = "application/problem+json"


def challenge(**kw):
    body = {
        "title": "Tantangan Baca November",
        "hashtag": "#TantanganBacaNovember",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "goal": "pages",
        "target": 100,
        "bonus_points": 50,
    }
    body.update(kw)
    return body


def log(pages=40, **kw):
    body = {"book": {"title": "Bumi Manusia", "author": "Pramoedya"}, "pages": pages}
    body.update(kw)
    return body


def n_challenges(factory):
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(Challenge)).scalar_one()


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


def create(client, factory, staff, **kw):
    r = client.post("/v1/challenges", json=challenge(**kw), headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_staff_create_and_members_see_it(client, factory, palu, staff):
    ch = create(client, factory, staff)
    assert ch["status"] == "active"
    reader = factory.member(palu)
    listed = client.get(
        "/v1/challenges", params={"status": "active"}, headers=factory.headers(reader)
    ).json()
    assert [c["id"] for c in listed["items"]] == [ch["id"]]
    assert (
        client.get(
            "/v1/challenges", params={"status": "past"}, headers=factory.headers(reader)
        ).json()["items"]
        == []
    )


def test_other_library_staff_cannot_see_drafts_or_edit(client, factory, palu, staff):
    draft = create(client, factory, staff, published=False, hashtag="#Rahasia")
    live = create(client, factory, staff)
    semarang_staff = factory.staff(factory.library("semarang"))
    h = factory.headers(semarang_staff)
    assert client.get(f"/v1/challenges/{draft['id']}", headers=h).status_code == 404
    assert client.get(f"/v1/challenges/{live['id']}", headers=h).status_code == 404
    r = client.patch(f"/v1/challenges/{live['id']}", json={"title": "Diambil"}, headers=h)
    assert r.status_code == 404
    assert client.delete(f"/v1/challenges/{draft['id']}", headers=h).status_code == 404
    reader = factory.member(palu)
    assert (
        client.get(f"/v1/challenges/{draft['id']}", headers=factory.headers(reader)).status_code
        == 404
    )
    assert n_challenges(factory) == 2


def test_members_cannot_create_challenges(client, factory, palu):
    r = client.post(
        "/v1/challenges", json=challenge(), headers=factory.headers(factory.member(palu))
    )
    assert r.status_code == 403
    assert n_challenges(factory) == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"ends_on": "2026-10-01"}, 422),  # before start
        ({"starts_on": "2026-11-01", "ends_on": "2027-12-01"}, 422),  # over a year
        ({"hashtag": "TanpaPagar"}, 422),
        ({"hashtag": "#12345"}, 422),
        ({"hashtag": "#dua kata"}, 422),
        ({"target": 0}, 422),
        ({"target": -5}, 422),
        ({"goal": "points"}, 422),
        ({"target": 20000}, 422),  # 30 days x 500 pages is 15,000
        ({"age_groups": ["elders"]}, 422),
        ({"starts_on": "2026-10-01", "ends_on": "2026-10-31"}, 422),  # already over
    ],
)
def test_bad_challenges_are_refused(client, factory, staff, change, status):
    r = client.post("/v1/challenges", json=challenge(**change), headers=factory.headers(staff))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert n_challenges(factory) == 0


def test_unreachable_target_says_why(client, factory, staff):
    r = client.post("/v1/challenges", json=challenge(target=20000), headers=factory.headers(staff))
    assert "500" in r.json()["detail"]


def test_hashtag_unique_among_overlapping_windows(client, factory, staff):
    create(client, factory, staff)
    r = client.post(
        "/v1/challenges",
        json=challenge(
            hashtag="#tantanganbacanovember", starts_on="2026-11-20", ends_on="2026-12-10"
        ),
        headers=factory.headers(staff),
    )
    assert r.status_code == 409
    create(client, factory, staff, starts_on="2026-12-01", ends_on="2026-12-31")


def test_started_challenge_cannot_get_harder_or_be_deleted(client, factory, staff):
    ch = create(client, factory, staff)
    h = factory.headers(staff)
    assert (
        client.patch(f"/v1/challenges/{ch['id']}", json={"target": 200}, headers=h).status_code
        == 409
    )
    assert (
        client.patch(f"/v1/challenges/{ch['id']}", json={"goal": "books"}, headers=h).status_code
        == 409
    )
    assert client.delete(f"/v1/challenges/{ch['id']}", headers=h).status_code == 409
    easier = client.patch(f"/v1/challenges/{ch['id']}", json={"target": 80}, headers=h)
    assert easier.status_code == 200
    ended = client.patch(f"/v1/challenges/{ch['id']}", json={"ends_on": "2026-11-17"}, headers=h)
    assert ended.json()["ended_early"] is True
    upcoming = create(
        client,
        factory,
        staff,
        hashtag="#BacaDesember",
        starts_on="2026-12-01",
        ends_on="2026-12-31",
    )
    assert client.delete(f"/v1/challenges/{upcoming['id']}", headers=h).status_code == 204


def test_only_eligible_age_groups_join(client, factory, palu, staff):
    ch = create(client, factory, staff, age_groups=["kids"])
    adult = factory.member(palu)
    r = client.post(f"/v1/challenges/{ch['id']}/join", headers=factory.headers(adult))
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    with factory.session() as s:
        assert s.get(ChallengeParticipant, (ch["id"], adult.id)) is None
    child = factory.child(adult, age=9)
    r = client.post(f"/v1/challenges/{ch['id']}/join", headers=factory.child_headers(adult, child))
    assert r.status_code == 200
    assert r.json()["joined"] is True


def test_joined_log_doubles_and_completion_pays_once(client, factory, palu, staff):
    ch = create(client, factory, staff)
    reader = factory.member(palu)
    h = factory.headers(reader)
    client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
    first = client.post("/v1/reading-logs", json=log(pages=60), headers=h).json()
    assert first["log"]["points"] == 120  # x2 inside a joined challenge
    assert first["challenges"][0]["current"] == 60
    assert first["challenges"][0]["completed_now"] is False
    second = client.post("/v1/reading-logs", json=log(pages=50), headers=h).json()
    progress = second["challenges"][0]
    assert progress["completed"] is True and progress["completed_now"] is True
    assert any(a["rule_code"] == "bonus.challenge" and a["amount"] == 50 for a in second["awards"])
    third = client.post("/v1/reading-logs", json=log(pages=10), headers=h).json()
    assert third["challenges"][0]["completed_now"] is False
    with factory.session() as s:
        bonus = s.execute(
            select(func.sum(LedgerEntry.amount)).where(LedgerEntry.rule_code == "bonus.challenge")
        ).scalar_one()
    assert bonus == 50
    mine = client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()
    assert mine["completed"] is True and mine["current"] == 120


def test_a_log_with_the_hashtag_joins_automatically(client, factory, palu, staff):
    ch = create(client, factory, staff)
    reader = factory.member(palu)
    r = client.post(
        "/v1/reading-logs",
        json=log(hashtags=["#tantanganbacanovember"]),
        headers=factory.headers(reader),
    ).json()
    assert r["challenges"][0]["challenge_id"] == ch["id"]
    with factory.session() as s:
        part = s.get(ChallengeParticipant, (ch["id"], reader.id))
    assert part is not None and part.joined_via == "hashtag"


@pytest.mark.parametrize(
    ("tz_slug", "last_local_evening_utc", "next_morning_utc"),
    [
        # WITA is UTC+8: 23:30 on 30 Nov is 15:30 UTC; 00:30 on 1 Dec is 16:30 UTC.
        (
            "palu",
            datetime(2026, 11, 30, 15, 30, tzinfo=UTC),
            datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
        ),
        # WIB is UTC+7.
        (
            "semarang",
            datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
            datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
        ),
    ],
)
def test_window_edges_follow_the_library_time_zone(
    client, factory, clock, tz_slug, last_local_evening_utc, next_morning_utc
):
    lib = factory.library(tz_slug)
    staff = factory.staff(lib)
    ch = create(client, factory, staff)
    reader = factory.member(lib)
    h = factory.headers(reader)
    client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
    clock.set(last_local_evening_utc)
    h = factory.headers(reader)
    inside = client.post("/v1/reading-logs", json=log(pages=30), headers=h).json()
    assert inside["log"]["read_on"] == "2026-11-30"
    assert inside["challenges"][0]["current"] == 30
    clock.set(next_morning_utc)
    h = factory.headers(reader)
    outside = client.post("/v1/reading-logs", json=log(pages=30), headers=h).json()
    assert outside["log"]["read_on"] == "2026-12-01"
    assert outside["challenges"] == []
    assert outside["log"]["points"] == 30  # no multiplier outside the window


def test_deleted_log_stops_counting_and_completion_is_taken_back(client, factory, palu, staff):
    ch = create(client, factory, staff)
    reader = factory.member(palu)
    h = factory.headers(reader)
    client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
    big = client.post("/v1/reading-logs", json=log(pages=100), headers=h).json()
    assert big["challenges"][0]["completed_now"] is True
    client.delete(f"/v1/reading-logs/{big['log']['id']}", headers=h)
    mine = client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()
    assert mine["current"] == 0 and mine["completed"] is False
    assert client.get("/v1/me/points", headers=h).json()["total"] == 0


def test_pending_log_counts_once_approved(client, factory, palu, staff):
    ch = create(client, factory, staff, target=300)
    reader = factory.member(palu)
    h = factory.headers(reader)
    client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
    pending = client.post("/v1/reading-logs", json=log(pages=300, minutes=20), headers=h).json()
    assert pending["log"]["status"] == "pending_review"
    assert client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()["current"] == 0
    r = client.post(
        f"/v1/moderation/reading-logs/{pending['log']['id']}/approve",
        headers=factory.headers(staff),
    )
    assert r.status_code == 200
    assert r.json()["challenges"][0]["completed_now"] is True
    assert client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()["completed"]


def test_staff_see_participants(client, factory, palu, staff):
    ch = create(client, factory, staff)
    parent = factory.member(palu)
    child = factory.child(parent, nickname="Kancil")
    client.post(f"/v1/challenges/{ch['id']}/join", headers=factory.child_headers(parent, child))
    rows = client.get(
        f"/v1/challenges/{ch['id']}/participants", headers=factory.headers(staff)
    ).json()["items"]
    assert [r["name"] for r in rows] == ["Kancil"]
    assert (
        client.get(
            f"/v1/challenges/{ch['id']}/participants", headers=factory.headers(parent)
        ).status_code
        == 403
    )


def test_problems_speak_the_language_asked_for(client, factory, staff):
    create(client, factory, staff)
    again = challenge(hashtag="#tantanganbacanovember", starts_on="2026-11-20")
    h = factory.headers(staff)
    plain = client.post("/v1/challenges", json=again, headers=h)
    english = client.post("/v1/challenges", json=again, headers={**h, "Accept-Language": "en"})
    assert plain.status_code == english.status_code == 409
    assert plain.headers["content-type"] == english.headers["content-type"] == PROBLEM
    indonesian, worded = plain.json(), english.json()
    assert indonesian["type"] == worded["type"] == "urn:bacaquest:problem:hashtag-taken"
    assert indonesian["title"] == "Tagar sudah dipakai"
    assert worded["title"] == "Hashtag taken"
    assert indonesian["detail"] == (
        "#tantanganbacanovember sudah menjadi tagar tantangan lain perpustakaan ini "
        "pada tanggal-tanggal itu."
    )
    assert worded["detail"] == (
        "#tantanganbacanovember is already the hashtag of a challenge of this library "
        "in those dates."
    )
    assert set(indonesian) == set(worded)
    assert plain.headers["content-language"] == "id"
    assert english.headers["content-language"] == "en"


def test_validation_problems_name_the_field_in_both_languages(client, factory, staff):
    h = factory.headers(staff)
    bad = challenge(target=0)
    plain = client.post("/v1/challenges", json=bad, headers=h).json()
    english = client.post(
        "/v1/challenges", json=bad, headers={**h, "Accept-Language": "en-GB,en;q=0.9"}
    ).json()
    assert plain["type"] == english["type"] == "urn:bacaquest:problem:validation"
    assert plain["title"] == "Isian tidak valid"
    assert english["title"] == "Invalid input"
    assert plain["detail"] == "Permintaan ini tidak valid: periksa body.target."
    assert english["detail"] == "The request is not valid: check body.target."
    [error] = plain["errors"]
    assert error["field"] == "body.target"
    assert error["code"] == english["errors"][0]["code"]
    assert error["message"] != english["errors"][0]["message"]
