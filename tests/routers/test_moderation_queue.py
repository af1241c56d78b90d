"""The review queue as staff read it (oldest first, page by page, who wrote each log), and
what a decision leaves behind: the reviewer, the time, the points, and nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.badge import BadgeAward
from app.models.challenge import ChallengeParticipant
from app.models.member import Member
from app.models.reading import ReadingLog
from tests.factories import november_challenge

QUEUE = "/v1/moderation/reading-logs"


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def flag(client, h, pages=600, title="Ronggeng Dukuh Paruk"):
    r = client.post("/v1/reading-logs", json={"book": {"title": title}, "pages": pages}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["log"]["status"] == "pending_review"
    return r.json()["log"]


def decide(client, h, log_id, what="approve"):
    return client.post(f"{QUEUE}/{log_id}/{what}", headers=h)


def test_the_queue_pages_oldest_first_and_names_each_writer(client, factory, palu):
    adult = factory.member(palu)
    kid = factory.child(adult, nickname="Kancil")
    ids = [flag(client, factory.headers(adult), pages=600 + i)["id"] for i in range(3)]
    ids.append(flag(client, factory.child_headers(adult, kid), pages=650)["id"])
    elsewhere = factory.member(factory.library("semarang"))
    flag(client, factory.headers(elsewhere))
    h = factory.headers(factory.staff(palu))
    first = client.get(QUEUE, params={"limit": 3}, headers=h).json()
    rest = client.get(QUEUE, params={"limit": 3, "cursor": first["next_cursor"]}, headers=h).json()
    assert [q["log"]["id"] for q in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None
    whole = client.get(QUEUE, params={"limit": 4}, headers=h).json()
    assert [q["log"]["id"] for q in whole["items"]] == ids and whole["next_cursor"] is None
    by_id = {q["log"]["id"]: q for q in whole["items"]}
    grown, child = by_id[ids[0]], by_id[ids[3]]
    assert (grown["member_id"], grown["is_child"]) == (adult.id, False)
    assert grown["member_name"] == adult.public_name()
    assert (child["member_id"], child["is_child"], child["member_name"]) == (kid.id, True, "Kancil")
    assert grown["log"]["pages"] == 600 and grown["log"]["pending_points"] == 600
    assert grown["log"]["book"]["title"] == "Ronggeng Dukuh Paruk"


def test_a_deleted_log_leaves_the_queue_and_cannot_be_decided(client, factory, palu):
    reader = factory.member(palu)
    rh = factory.headers(reader)
    gone = flag(client, rh)
    kept = flag(client, rh, pages=700)
    assert client.delete(f"/v1/reading-logs/{gone['id']}", headers=rh).status_code == 204
    h = factory.headers(factory.staff(palu))
    assert [q["log"]["id"] for q in client.get(QUEUE, headers=h).json()["items"]] == [kept["id"]]
    for what in ("approve", "reject"):
        r = decide(client, h, gone["id"], what)
        assert r.status_code == 404, r.text
    assert decide(client, h, 999999).status_code == 404
    points = client.get("/v1/me/points", headers=rh).json()
    assert (points["total"], points["pending"]) == (0, 700)


def test_a_decision_records_who_and_when_and_is_made_once(client, factory, palu, clock):
    reader = factory.member(palu)
    rh = factory.headers(reader)
    yes = flag(client, rh)
    no = flag(client, rh, pages=700)
    staff = factory.staff(palu)
    h = factory.headers(staff)
    approved = decide(client, h, yes["id"]).json()
    assert approved["log"]["status"] == "accepted"
    assert approved["log"]["pending_points"] == 0
    assert approved["log"]["points"] == 600
    assert [(a["rule_code"], a["amount"], a["log_id"]) for a in approved["awards"]] == [
        ("reading.pages", 600, yes["id"])
    ]
    assert approved["totals"] == {"total": 600, "pending": 700}
    rejected = decide(client, h, no["id"], "reject").json()
    assert (rejected["status"], rejected["pending_points"], rejected["points"]) == (
        "rejected",
        0,
        0,
    )
    with factory.session() as s:
        for log_id in (yes["id"], no["id"]):
            log = s.get(ReadingLog, log_id)
            assert log.reviewed_by == staff.id
            assert log.reviewed_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)
        assert s.get(ReadingLog, yes["id"]).counted_at.replace(tzinfo=None) == clock.now().replace(
            tzinfo=None
        )
        member = s.get(Member, reader.id)
        assert (member.points_total, member.points_pending) == (600, 0)
    for log_id in (yes["id"], no["id"]):
        for what in ("approve", "reject"):
            r = decide(client, h, log_id, what)
            assert r.status_code == 409, r.text
            assert r.json()["type"].endswith("not-pending")
            status = "accepted" if log_id == yes["id"] else "rejected"
            assert r.json()["detail"] == f"This log is {status}, not waiting for review."
    points = client.get("/v1/me/points", headers=rh).json()
    assert (points["total"], points["pending"]) == (600, 0)


def test_an_administrator_decides_for_any_library(client, factory, palu):
    reader = factory.member(factory.library("semarang"))
    log = flag(client, factory.headers(reader))
    admin = factory.headers(factory.admin())
    r = decide(client, admin, log["id"], "reject")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"


def test_an_approval_pays_what_the_log_would_have_earned(client, factory, palu):
    staff = factory.staff(palu)
    sh = factory.headers(staff)
    ch = client.post("/v1/challenges", json=november_challenge(target=300), headers=sh).json()
    badge = client.post(
        "/v1/badges",
        json={"name": "Tiga Ratus", "criteria": [{"metric": "pages", "target": 300}]},
        headers=sh,
    ).json()
    reader = factory.member(palu)
    rh = factory.headers(reader)
    assert client.post(f"/v1/challenges/{ch['id']}/join", headers=rh).status_code == 200
    body = {"book": {"title": "Pulang"}, "pages": 300, "minutes": 20, "finished": True}
    log = client.post("/v1/reading-logs", json=body, headers=rh).json()["log"]
    assert log["status"] == "pending_review"
    approved = decide(client, sh, log["id"]).json()
    # x2 inside the joined challenge, and the first finish of the book
    awards = {a["rule_code"]: a["amount"] for a in approved["awards"]}
    assert awards == {"reading.pages": 600, "bonus.finished": 20}
    assert approved["log"]["points"] == 620
    assert approved["totals"] == {"total": 620, "pending": 0}
    assert approved["challenges"][0]["current"] == 300
    assert approved["challenges"][0]["completed_now"] is True
    assert [b["id"] for b in approved["badges_earned"]] == [badge["id"]]
    assert [b["name"] for b in approved["badges_earned"]] == ["Tiga Ratus"]
    with factory.session() as s:
        award = s.execute(
            select(BadgeAward).where(
                BadgeAward.member_id == reader.id, BadgeAward.badge_id == badge["id"]
            )
        ).scalar_one()
        assert award.log_id == log["id"]
        assert award.awarded_at is not None
        part = s.get(ChallengeParticipant, (ch["id"], reader.id))
        assert part.completed_at is not None
    again = client.post("/v1/reading-logs", json=body, headers=rh).json()["log"]
    second = decide(client, sh, again["id"]).json()
    assert {a["rule_code"]: a["amount"] for a in second["awards"]} == {"reading.pages": 600}
    assert second["challenges"][0]["completed_now"] is False
    assert second["badges_earned"] == []
    assert second["totals"] == {"total": 1220, "pending": 0}


def test_refusals_say_what_was_not_found_or_why(client, factory, palu):
    staff = factory.staff(palu)
    h = factory.headers(staff)
    own = flag(client, h)
    r = decide(client, h, own["id"])
    assert r.status_code == 403
    assert r.json()["detail"] == (
        "Staff do not review their own logs: another staff member or an administrator decides."
    )
    theirs = flag(client, factory.headers(factory.member(factory.library("semarang"))))
    gone = flag(client, factory.headers(reader := factory.member(palu)), pages=700)
    client.delete(f"/v1/reading-logs/{gone['id']}", headers=factory.headers(reader))
    for log_id in (theirs["id"], gone["id"], 999999):
        for language, detail in (("en", "Reading log was not found."), ("id", None)):
            r = client.post(f"{QUEUE}/{log_id}/approve", headers={**h, "Accept-Language": language})
            assert r.status_code == 404
            assert r.json()["detail"] == (detail or "Catatan baca tidak ditemukan.")
