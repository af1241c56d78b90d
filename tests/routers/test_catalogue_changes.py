"""Catalogue and rule changes: a new badge goes at once to members who already meet it, a
lowered target completes members already past it, and caps that would make a live
badge or challenge unreachable are refused with the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.verify import check
from tests.factories import november_challenge


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff_h(factory, palu):
    return factory.headers(factory.staff(palu))


def log(client, h, pages, **kw):
    body = {"book": {"title": kw.pop("title", "Laut Bercerita")}, "pages": pages, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def total(client, h):
    return client.get("/v1/me/points", headers=h).json()["total"]


def test_a_new_badge_is_awarded_at_once_to_members_who_meet_it(client, factory, palu, staff_h):
    reader, short = factory.member(palu), factory.member(palu)
    h, sh = factory.headers(reader), factory.headers(short)
    log(client, h, 120)
    log(client, sh, 40)
    before = total(client, h)
    r = client.post(
        "/v1/badges",
        json={
            "name": "Seratus Halaman",
            "criteria": [{"metric": "pages", "target": 100}],
            "bonus_points": 15,
        },
        headers=staff_h,
    )
    assert r.status_code == 201, r.text
    badges = client.get("/v1/me/badges", headers=h).json()
    assert [b["badge"]["name"] for b in badges["earned"]] == ["Seratus Halaman"]
    assert badges["locked"] == []
    assert total(client, h) == before + 15
    locked = client.get("/v1/me/badges", headers=sh).json()["locked"]
    assert [b["badge"]["name"] for b in locked] == ["Seratus Halaman"]
    assert log(client, h, 5)["badges_earned"] == []  # once
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_lowering_a_live_target_completes_members_already_past_it(client, factory, palu, staff_h):
    r = client.post(
        "/v1/challenges", json=november_challenge(target=300, bonus_points=40), headers=staff_h
    )
    assert r.status_code == 201, r.text
    ch = r.json()["id"]
    past, behind = factory.member(palu), factory.member(palu)
    hp, hb = factory.headers(past), factory.headers(behind)
    log(client, hp, 120, hashtags=["#TantanganBacaNovember"])
    log(client, hb, 50, hashtags=["#TantanganBacaNovember"])
    before = total(client, hp)
    r = client.patch(f"/v1/challenges/{ch}", json={"target": 100}, headers=staff_h)
    assert r.status_code == 200, r.text
    progress = client.get(f"/v1/challenges/{ch}/progress", headers=hp).json()
    assert progress["completed"] is True and progress["percent"] == 100
    assert total(client, hp) == before + 40
    assert client.get(f"/v1/challenges/{ch}/progress", headers=hb).json()["completed"] is False
    done = log(client, hp, 5, hashtags=["#TantanganBacaNovember"])
    assert not any(a["rule_code"] == "bonus.challenge" for a in done["awards"])  # once
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_caps_that_make_a_live_challenge_unreachable_are_refused(client, factory, palu, staff_h):
    r = client.post("/v1/challenges", json=november_challenge(target=3000), headers=staff_h)
    assert r.status_code == 201, r.text
    r = client.patch(
        "/v1/libraries/palu", json={"scoring": {"daily_cap_pages": 50}}, headers=staff_h
    )
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"].endswith("rules-unreachable")
    assert "Tantangan Baca November" in problem["detail"]
    assert "3000 pages in 30 days" in problem["detail"]
    saved = client.get("/v1/libraries/palu").json()["scoring"]
    assert saved["daily_cap_pages"] == 500  # nothing changed
    assert (
        client.patch(
            "/v1/libraries/palu", json={"scoring": {"daily_cap_pages": 200}}, headers=staff_h
        ).status_code
        == 200
    )


def test_caps_that_make_a_badge_unreachable_are_refused(client, factory, palu, staff_h):
    r = client.post(
        "/v1/badges",
        json={"name": "Maraton", "criteria": [{"metric": "pages", "target": 400, "period": "day"}]},
        headers=staff_h,
    )
    assert r.status_code == 201, r.text
    r = client.patch(
        "/v1/libraries/palu", json={"scoring": {"daily_cap_pages": 300}}, headers=staff_h
    )
    assert r.status_code == 409, r.text
    assert "Maraton" in r.json()["detail"]


def test_a_past_challenge_does_not_hold_back_new_caps(client, factory, palu):
    staff = factory.staff(palu)
    r = client.post(
        "/v1/challenges", json=november_challenge(target=3000), headers=factory.headers(staff)
    )
    assert r.status_code == 201, r.text
    factory.clock.set(factory.clock.now() + timedelta(days=20))  # December: it is over
    assert date(2026, 12, 7) == (factory.clock.now() + timedelta(hours=8)).date()
    staff_h = factory.headers(staff)
    r = client.patch(
        "/v1/libraries/palu", json={"scoring": {"daily_cap_pages": 50}}, headers=staff_h
    )
    assert r.status_code == 200, r.text
