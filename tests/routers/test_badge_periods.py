"""A badge's period holds for every metric: "1 share this month" counts this month's shares.

Shares and completed challenges are counted by the library's local calendar, like reading.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import november_challenge

OCT_LATE = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
# Palu is UTC+8: 15:00 UTC on 31 October is 23:00 there, 16:30 UTC is 00:30 on 1 November.
OCT_LAST_HOUR = datetime(2026, 10, 31, 15, 0, tzinfo=UTC)
NOV_FIRST_HOUR = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
NOV_MID = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def log(client, h, title="Bumi Manusia", **kw):
    body = {"book": {"title": title}, "pages": 10, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def share_log(client, h, log_id):
    body = {"subject": {"type": "reading_log", "id": log_id}, "platforms": ["whatsapp"]}
    r = client.post("/v1/share", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def badge(client, factory, palu, metric, period="month", name="Bulan Ini"):
    r = client.post(
        "/v1/badges",
        json={"name": name, "criteria": [{"metric": metric, "target": 1, "period": period}]},
        headers=factory.headers(factory.staff(palu)),
    )
    assert r.status_code == 201, r.text
    return r.json()


def progress_of(client, h, name):
    mine = client.get("/v1/me/badges", headers=h).json()
    for entry in mine["earned"] + mine["locked"]:
        if entry["badge"]["name"] == name:
            return entry["earned"], entry["progress"][0]["current"]
    raise AssertionError(name)


def test_an_october_share_does_not_earn_novembers_share_badge(client, factory, palu, clock):
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.set(OCT_LAST_HOUR)
    share_log(client, h, log(client, h)["log"]["id"])
    clock.set(NOV_MID)
    badge(client, factory, palu, "shares")
    h = factory.headers(reader)
    assert log(client, h, title="Pulang")["badges_earned"] == []
    assert progress_of(client, h, "Bulan Ini") == (False, 0)
    shared = share_log(client, h, log(client, h, title="Laut Bercerita")["log"]["id"])
    assert [b["name"] for b in shared["badges_earned"]] == ["Bulan Ini"]
    assert progress_of(client, h, "Bulan Ini") == (True, 1)


def test_a_share_after_local_midnight_counts_for_the_new_month(client, factory, palu, clock):
    clock.set(NOV_FIRST_HOUR)
    badge(client, factory, palu, "shares")
    reader = factory.member(palu)
    h = factory.headers(reader)
    read = log(client, h, read_on="2026-10-31")  # a log of yesterday, shared today
    shared = share_log(client, h, read["log"]["id"])
    assert [b["name"] for b in shared["badges_earned"]] == ["Bulan Ini"]


def test_shares_this_week_and_today_are_counted_in_their_own_period(client, factory, palu, clock):
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.set(datetime(2026, 11, 15, 2, 0, tzinfo=UTC))  # Sunday: the week before
    share_log(client, h, log(client, h)["log"]["id"])
    clock.set(NOV_MID)  # Tuesday
    badge(client, factory, palu, "shares", "week", name="Minggu Ini")
    badge(client, factory, palu, "shares", "month", name="Bulan Ini")
    h = factory.headers(reader)
    # A badge is awarded when it is made to whoever already meets it: this month's share
    # counts, last week's does not, and the next log earns nothing more.
    assert progress_of(client, h, "Bulan Ini") == (True, 1)
    assert progress_of(client, h, "Minggu Ini") == (False, 0)
    assert log(client, h, title="Pulang")["badges_earned"] == []
    assert progress_of(client, h, "Minggu Ini") == (False, 0)


def complete(client, factory, palu, h, **kw):
    staff = factory.headers(factory.staff(palu))
    ch = client.post("/v1/challenges", json=november_challenge(target=10, **kw), headers=staff)
    assert ch.status_code == 201, ch.text
    done = log(client, h, title=kw.get("title", "Cantik Itu Luka"), hashtags=[kw["hashtag"]])
    assert done["challenges"][0]["completed_now"] is True
    return done


def test_an_october_challenge_does_not_earn_novembers_challenge_badge(client, factory, palu, clock):
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.set(OCT_LATE)
    complete(
        client,
        factory,
        palu,
        h,
        hashtag="#BacaOktober",
        starts_on="2026-10-01",
        ends_on="2026-10-31",
    )
    clock.set(NOV_MID)
    badge(client, factory, palu, "challenges_completed")
    h = factory.headers(reader)
    assert log(client, h, title="Pulang")["badges_earned"] == []
    assert progress_of(client, h, "Bulan Ini") == (False, 0)
    done = complete(client, factory, palu, h, hashtag="#BacaNovember", title="Ronggeng")
    assert [b["name"] for b in done["badges_earned"]] == ["Bulan Ini"]
    assert progress_of(client, h, "Bulan Ini") == (True, 1)


def test_all_time_badges_still_count_every_share(client, factory, palu, clock):
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.set(OCT_LATE)
    share_log(client, h, log(client, h)["log"]["id"])
    clock.set(NOV_MID)
    badge(client, factory, palu, "shares", "all_time", name="Sepanjang Masa")
    h = factory.headers(reader)
    assert progress_of(client, h, "Sepanjang Masa") == (True, 1)
    assert log(client, h, title="Pulang")["badges_earned"] == []


def test_deleting_a_log_keeps_a_period_badge_earned_in_another_period(client, factory, palu, clock):
    badge(client, factory, palu, "shares")
    badge(client, factory, palu, "pages", name="Halaman Bulan Ini")
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.set(OCT_LATE)
    october = log(client, h)
    share_log(client, h, october["log"]["id"])
    clock.set(NOV_MID)
    h = factory.headers(reader)
    november = log(client, h, title="Pulang")
    r = client.delete(f"/v1/reading-logs/{november['log']['id']}", headers=h)
    assert r.status_code == 204
    assert progress_of(client, h, "Bulan Ini")[0] is True
    assert progress_of(client, h, "Halaman Bulan Ini")[0] is True
    # Deleting the log that earned October's pages badge takes it back.
    r = client.delete(f"/v1/reading-logs/{october['log']['id']}", headers=h)
    assert r.status_code == 204
    assert progress_of(client, h, "Halaman Bulan Ini")[0] is False


def test_a_badge_a_challenge_awarded_stays_when_a_log_is_deleted(client, factory, palu):
    staff = factory.headers(factory.staff(palu))
    far = {"name": "Juara", "criteria": [{"metric": "pages", "target": 100000}]}
    badge_id = client.post("/v1/badges", json=far, headers=staff).json()["id"]
    reader = factory.member(palu)
    h = factory.headers(reader)
    done = complete(client, factory, palu, h, hashtag="#BacaNovember", badge_id=badge_id)
    assert [b["id"] for b in done["badges_earned"]] == []  # awarded by the completion
    assert progress_of(client, h, "Juara")[0] is True
    extra = log(client, h, title="Pulang")
    assert client.delete(f"/v1/reading-logs/{extra['log']['id']}", headers=h).status_code == 204
    assert progress_of(client, h, "Juara")[0] is True
