"""Challenge progress as a member sees it: what counts in each goal unit, inside which
window, and a completion paid once and taken back (bonus, badge, the member's count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.member import Member
from app.models.reading import LedgerEntry


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


def log(pages=40, title="Bumi Manusia", **kw):
    body = {"book": {"title": title, "author": "Pramoedya"}, "pages": pages}
    body.update(kw)
    return body


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


def joined(client, factory, palu, ch):
    reader = factory.member(palu)
    h = factory.headers(reader)
    assert client.post(f"/v1/challenges/{ch['id']}/join", headers=h).status_code == 200
    return reader, h


def post(client, h, **kw):
    r = client.post("/v1/reading-logs", json=log(**kw), headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def current(client, h, ch):
    return client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()


def completed_count(factory, member):
    with factory.session() as s:
        return s.get(Member, member.id).challenges_completed


def challenge_rows(factory, member):
    with factory.session() as s:
        return [
            (r.rule_code, r.amount, r.challenge_id, r.badge_id)
            for r in s.execute(
                select(LedgerEntry)
                .where(LedgerEntry.member_id == member.id, LedgerEntry.rule_code.like("bonus.%"))
                .order_by(LedgerEntry.id)
            ).scalars()
        ]


def test_minutes_goal_counts_minutes_not_pages(client, factory, palu, staff):
    ch = create(client, factory, staff, goal="minutes", target=90)
    _, h = joined(client, factory, palu, ch)
    first = post(client, h, pages=30, minutes=45)
    assert first["challenges"][0]["current"] == 45
    assert first["challenges"][0]["goal"] == "minutes"
    assert first["challenges"][0]["target"] == 90
    second = post(client, h, pages=None, minutes=45)
    assert second["challenges"][0]["current"] == 90
    assert second["challenges"][0]["completed_now"] is True


def test_books_goal_counts_each_finished_book_once(client, factory, palu, staff):
    ch = create(client, factory, staff, goal="books", target=2)
    _, h = joined(client, factory, palu, ch)
    assert post(client, h, title="Bumi")["challenges"][0]["current"] == 0  # not finished
    assert post(client, h, title="Bumi", finished=True)["challenges"][0]["current"] == 1
    again = post(client, h, title="Bumi", finished=True)["challenges"][0]
    assert (again["current"], again["completed"]) == (1, False)
    done = post(client, h, title="Bulan", finished=True)["challenges"][0]
    assert (done["current"], done["completed_now"]) == (2, True)


def test_the_window_holds_its_first_and_last_day_and_nothing_else(
    client, factory, clock, palu, staff
):
    ch = create(client, factory, staff, starts_on="2026-11-11", ends_on="2026-11-17")
    reader, h = joined(client, factory, palu, ch)
    first = post(client, h, pages=11, read_on="2026-11-11")
    assert first["challenges"][0]["current"] == 11
    assert post(client, h, pages=5, read_on="2026-11-10")["challenges"] == []
    last = post(client, h, pages=7)  # today, the 17th: the last day
    assert last["challenges"][0]["current"] == 18
    clock.set(clock.now() + timedelta(days=1))
    h = factory.headers(reader)
    assert post(client, h, pages=3)["challenges"] == []
    assert current(client, h, ch)["current"] == 18


def test_a_pending_log_does_not_count_until_approved(client, factory, palu, staff):
    ch = create(client, factory, staff, target=1000)
    _, h = joined(client, factory, palu, ch)
    post(client, h, pages=20)
    pending = post(client, h, pages=480, minutes=10)
    assert pending["log"]["status"] == "pending_review"
    assert current(client, h, ch)["current"] == 20
    approved = client.post(
        f"/v1/moderation/reading-logs/{pending['log']['id']}/approve",
        headers=factory.headers(staff),
    ).json()
    assert approved["challenges"][0]["current"] == 500
    assert approved["challenges"][0]["challenge_id"] == ch["id"]
    assert approved["challenges"][0]["title"] == "Tantangan Baca November"
    assert approved["challenges"][0]["hashtag"] == "#TantanganBacaNovember"


def test_drafts_and_other_libraries_challenges_never_count(client, factory, palu, staff):
    draft = create(client, factory, staff, published=False, hashtag="#Rahasia")
    other_lib = factory.library("semarang")
    theirs = create(client, factory, factory.staff(other_lib), hashtag="#BacaSemarang")
    _, h = joined(client, factory, palu, create(client, factory, staff, hashtag="#BacaPalu"))
    r = post(client, h, pages=10, hashtags=["#Rahasia", "#BacaSemarang", "#BacaPalu"])
    assert [c["hashtag"] for c in r["challenges"]] == ["#BacaPalu"]
    assert draft["id"] not in [c["challenge_id"] for c in r["challenges"]]
    assert theirs["id"] not in [c["challenge_id"] for c in r["challenges"]]


def test_a_log_counts_for_every_challenge_it_joined_or_tagged(client, factory, palu, staff):
    by_join = create(client, factory, staff, hashtag="#BacaPalu", target=500)
    by_tag = create(client, factory, staff, hashtag="#BacaLagi", target=500)
    untouched = create(client, factory, staff, hashtag="#BacaNanti", target=500)
    _, h = joined(client, factory, palu, by_join)
    r = post(client, h, pages=10, hashtags=["#bacalagi"])
    assert sorted(c["challenge_id"] for c in r["challenges"]) == sorted(
        [by_join["id"], by_tag["id"]]
    )
    assert all(c["current"] == 10 for c in r["challenges"])
    again = post(client, h, pages=5, hashtags=["#BacaLagi"])
    assert sorted(c["current"] for c in again["challenges"]) == [15, 15]
    assert untouched["id"] not in [c["challenge_id"] for c in again["challenges"]]


def test_completion_pays_the_bonus_and_the_badge_and_counts_once(client, factory, palu, staff):
    sh = factory.headers(staff)
    badge = client.post(
        "/v1/badges",
        json={
            "name": "Penuntas November",
            "bonus_points": 25,
            "criteria": [{"metric": "pages", "target": 100000}],
        },
        headers=sh,
    ).json()
    ch = create(client, factory, staff, badge_id=badge["id"])
    reader, h = joined(client, factory, palu, ch)
    done = post(client, h, pages=100)
    assert done["challenges"][0]["completed_now"] is True
    assert challenge_rows(factory, reader) == [
        ("bonus.challenge", 50, ch["id"], None),
        ("bonus.badge", 25, None, badge["id"]),
    ]
    assert completed_count(factory, reader) == 1
    assert done["totals"]["total"] == 200 + 50 + 25
    later = post(client, h, pages=10)
    assert later["challenges"][0]["completed"] is True
    assert later["challenges"][0]["completed_now"] is False
    assert completed_count(factory, reader) == 1
    assert len(challenge_rows(factory, reader)) == 2


def test_no_bonus_row_for_a_challenge_without_bonus(client, factory, palu, staff):
    ch = create(client, factory, staff, bonus_points=0)
    reader, h = joined(client, factory, palu, ch)
    done = post(client, h, pages=100)
    assert done["challenges"][0]["completed_now"] is True
    assert challenge_rows(factory, reader) == []
    assert completed_count(factory, reader) == 1
    assert client.delete(f"/v1/reading-logs/{done['log']['id']}", headers=h).status_code == 204
    assert challenge_rows(factory, reader) == []  # nothing paid, nothing taken back
    assert completed_count(factory, reader) == 0
    assert client.get("/v1/me/points", headers=h).json()["total"] == 0


def test_falling_short_takes_the_bonus_back_and_completing_again_repays_it(
    client, factory, palu, staff
):
    ch = create(client, factory, staff)
    reader, h = joined(client, factory, palu, ch)
    keep = post(client, h, pages=60)
    top = post(client, h, pages=50)
    assert top["challenges"][0]["completed_now"] is True
    assert completed_count(factory, reader) == 1
    assert client.delete(f"/v1/reading-logs/{top['log']['id']}", headers=h).status_code == 204
    mine = current(client, h, ch)
    assert (mine["current"], mine["completed"]) == (60, False)
    assert completed_count(factory, reader) == 0
    assert challenge_rows(factory, reader)[-1][:3] == ("bonus.challenge", -50, ch["id"])
    assert client.get("/v1/me/points", headers=h).json()["total"] == 120
    again = post(client, h, pages=40)
    assert again["challenges"][0]["completed_now"] is True
    assert completed_count(factory, reader) == 1
    bonus = [a for a in again["awards"] if a["rule_code"] == "bonus.challenge"]
    assert [b["amount"] for b in bonus] == [50]
    assert client.get("/v1/me/points", headers=h).json()["total"] == 120 + 80 + 50
    assert keep["log"]["points"] == 120


def test_taking_back_takes_only_this_members_bonus_of_this_challenge(client, factory, palu, staff):
    month = create(client, factory, staff, hashtag="#BacaSebulan")
    week = create(client, factory, staff, hashtag="#BacaSepekan", starts_on="2026-11-15", target=10)
    other, oh = joined(client, factory, palu, month)
    post(client, oh, pages=100)  # another member's bonus for the same challenge
    reader, h = joined(client, factory, palu, month)
    assert client.post(f"/v1/challenges/{week['id']}/join", headers=h).status_code == 200
    short = post(client, h, pages=10)  # the 17th: both windows; completes the week
    assert [c["completed_now"] for c in short["challenges"]] == [False, True]
    early = post(client, h, pages=100, read_on="2026-11-12")  # the month's window only
    assert [c["challenge_id"] for c in early["challenges"]] == [month["id"]]
    assert early["challenges"][0]["completed_now"] is True
    assert completed_count(factory, reader) == 2
    before = client.get("/v1/me/points", headers=h).json()["total"]
    assert client.delete(f"/v1/reading-logs/{early['log']['id']}", headers=h).status_code == 204
    assert challenge_rows(factory, reader)[-1][:3] == ("bonus.challenge", -50, month["id"])
    assert client.get("/v1/me/points", headers=h).json()["total"] == before - 200 - 50
    assert completed_count(factory, reader) == 1
    assert current(client, h, week)["completed"] is True
    assert completed_count(factory, other) == 1
    assert client.get("/v1/me/points", headers=oh).json()["total"] == 200 + 50


def test_joining_counts_the_reading_already_done_in_the_window(client, factory, palu, staff):
    ch = create(client, factory, staff)
    reader = factory.member(palu)
    h = factory.headers(reader)
    post(client, h, pages=30)
    assert current(client, h, ch)["current"] == 30  # what joining would count
    assert client.post(f"/v1/challenges/{ch['id']}/join", headers=h).status_code == 200
    assert current(client, h, ch)["current"] == 30
    assert post(client, h, pages=5)["challenges"][0]["current"] == 35


def test_one_members_completion_is_theirs_alone(client, factory, palu, staff):
    ch = create(client, factory, staff)
    first, fh = joined(client, factory, palu, ch)
    second, sh = joined(client, factory, palu, ch)
    post(client, sh, pages=10)
    done = post(client, fh, pages=100)
    assert done["challenges"][0]["completed_now"] is True
    assert [a["amount"] for a in done["awards"] if a["rule_code"] == "bonus.challenge"] == [50]
    assert completed_count(factory, first) == 1
    mine = current(client, sh, ch)
    assert (mine["current"], mine["completed"]) == (10, False)
    assert completed_count(factory, second) == 0
    later = post(client, sh, pages=90)
    assert later["challenges"][0]["completed_now"] is True
    assert completed_count(factory, second) == 1


def test_one_log_completing_two_challenges_shows_both_bonuses(client, factory, palu, staff):
    one = create(client, factory, staff, hashtag="#BacaSatu", bonus_points=30)
    two = create(client, factory, staff, hashtag="#BacaDua", bonus_points=40)
    reader, h = joined(client, factory, palu, one)
    r = post(client, h, pages=100, hashtags=["#BacaDua"])
    assert sorted(c["challenge_id"] for c in r["challenges"] if c["completed_now"]) == sorted(
        [one["id"], two["id"]]
    )
    bonuses = sorted(
        (a["challenge_id"], a["amount"]) for a in r["awards"] if a["rule_code"] == "bonus.challenge"
    )
    assert bonuses == sorted([(one["id"], 30), (two["id"], 40)])
    assert completed_count(factory, reader) == 2


def test_reaching_the_target_exactly_stays_complete(client, factory, palu, staff):
    ch = create(client, factory, staff, goal="minutes", target=60)
    reader, h = joined(client, factory, palu, ch)
    done = post(client, h, pages=None, minutes=60)
    assert done["challenges"][0]["completed_now"] is True
    later = post(client, h, pages=10)  # no minutes: the count stays at the target
    assert (later["challenges"][0]["current"], later["challenges"][0]["completed"]) == (60, True)
    assert completed_count(factory, reader) == 1
    assert [r[:2] for r in challenge_rows(factory, reader)] == [("bonus.challenge", 50)]


def test_one_member_falling_short_leaves_the_others_completion(client, factory, palu, staff):
    ch = create(client, factory, staff)
    first, fh = joined(client, factory, palu, ch)
    second, sh = joined(client, factory, palu, ch)
    gone = post(client, fh, pages=100)
    post(client, sh, pages=100)
    assert client.delete(f"/v1/reading-logs/{gone['log']['id']}", headers=fh).status_code == 204
    assert current(client, fh, ch)["completed"] is False
    assert completed_count(factory, first) == 0
    assert [r[1] for r in challenge_rows(factory, first)] == [50, -50]
    assert current(client, sh, ch)["completed"] is True
    assert completed_count(factory, second) == 1
    assert [r[1] for r in challenge_rows(factory, second)] == [50]
