"""Badges: catalogue, reachability, awarding once, locked progress, revoking on delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.db import transaction
from app.models.badge import Badge, BadgeAward
from app.services.badges import ensure_demo_badges


@pytest.fixture
def palu(factory):
    lib = factory.library("palu")
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    return lib


def finish(client, h, title):
    return client.post(
        "/v1/reading-logs",
        json={"book": {"title": title, "genre": "novel"}, "pages": 10, "finished": True},
        headers=h,
    ).json()


def test_first_finished_book_earns_buku_pertama_once(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    first = finish(client, h, "Cantik Itu Luka")
    assert [b["name"] for b in first["badges_earned"]] == ["Buku Pertama"]
    assert any(a["rule_code"] == "bonus.badge" and a["amount"] == 10 for a in first["awards"])
    second = finish(client, h, "Amba")
    assert second["badges_earned"] == []
    with factory.session() as s:
        assert s.execute(select(func.count()).select_from(BadgeAward)).scalar_one() == 1


def test_locked_badges_show_progress(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    for i in range(7):
        finish(client, h, f"Buku {i}")
    mine = client.get("/v1/me/badges", headers=h).json()
    locked = {b["badge"]["name"]: b for b in mine["locked"]}
    assert locked["Kutu Buku"]["progress"][0]["label"] == "7 dari 10 buku"
    assert [b["badge"]["name"] for b in mine["earned"]] == ["Buku Pertama"]
    assert mine["earned"][0]["earned_at"] is not None


def test_deleting_the_only_finished_book_revokes_the_badge_and_bonus(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finish(client, h, "Saman")
    assert log["totals"]["total"] == 10 + 20 + 10
    client.delete(f"/v1/reading-logs/{log['log']['id']}", headers=h)
    assert client.get("/v1/me/points", headers=h).json()["total"] == 0
    mine = client.get("/v1/me/badges", headers=h).json()
    assert mine["earned"] == []


def test_staff_create_badges_and_unreachable_ones_are_refused(client, factory, palu):
    staff = factory.staff(palu)
    h = factory.headers(staff)
    ok = client.post(
        "/v1/badges",
        json={
            "name": "Maraton",
            "icon": "trophy",
            "bonus_points": 25,
            "criteria": [{"metric": "pages", "target": 400, "period": "day"}],
        },
        headers=h,
    )
    assert ok.status_code == 201, ok.text
    bad = client.post(
        "/v1/badges",
        json={
            "name": "Mustahil",
            "criteria": [{"metric": "pages", "target": 600, "period": "day"}],
        },
        headers=h,
    )
    assert bad.status_code == 422
    assert "500" in bad.json()["detail"]
    with factory.session() as s:
        names = s.execute(select(Badge.name).where(Badge.library_id == palu.id)).scalars().all()
    assert "Mustahil" not in names and "Maraton" in names


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "criteria": []},
        {"name": "X", "criteria": [{"metric": "pages", "target": 0}]},
        {"name": "X", "criteria": [{"metric": "likes", "target": 3}]},
        {"name": "X", "criteria": [{"metric": "pages", "target": 3, "period": "year"}]},
        {"name": "X", "color": "red", "criteria": [{"metric": "pages", "target": 3}]},
        {"name": "", "criteria": [{"metric": "pages", "target": 3}]},
    ],
)
def test_bad_badges_are_422(client, factory, palu, body):
    before = n_badges(factory)
    r = client.post("/v1/badges", json=body, headers=factory.headers(factory.staff(palu)))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert n_badges(factory) == before


def test_members_cannot_create_badges(client, factory, palu):
    r = client.post(
        "/v1/badges",
        json={"name": "Curang", "criteria": [{"metric": "pages", "target": 1}]},
        headers=factory.headers(factory.member(palu)),
    )
    assert r.status_code == 403
    assert n_badges(factory, Badge.name == "Curang") == 0


def test_catalogue_is_per_library(client, factory, palu):
    reader = factory.member(palu)
    names = [b["name"] for b in client.get("/v1/badges", headers=factory.headers(reader)).json()]
    assert names == ["Buku Pertama", "Kutu Buku", "Pembaca Setia", "Penjelajah Genre"]
    other = factory.member(factory.library("semarang"))
    assert client.get("/v1/badges", headers=factory.headers(other)).json() == []


def log_on(client, h, day):
    r = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": 10, "read_on": day},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return [b["name"] for b in r.json()["badges_earned"]]


def test_seven_day_streak_earns_pembaca_setia_even_when_the_gap_is_filled_late(
    client, factory, palu
):
    # Palu's local day is 2026-11-17; the middle day of seven is logged last.
    h = factory.headers(factory.member(palu))
    days = [f"2026-11-{d}" for d in (11, 12, 13, 15, 16, 17)]
    earned = [name for day in days for name in log_on(client, h, day)]
    assert "Pembaca Setia" not in earned
    assert log_on(client, h, "2026-11-14") == ["Pembaca Setia"]


def test_a_streak_badge_made_later_is_earned_at_once(client, factory):
    lib = factory.library("semarang")
    h = factory.headers(factory.member(lib))
    for d in (13, 14, 15, 16):
        assert log_on(client, h, f"2026-11-{d}") == []
    made = client.post(
        "/v1/badges",
        json={"name": "Empat Hari", "criteria": [{"metric": "streak_days", "target": 4}]},
        headers=factory.headers(factory.staff(lib)),
    )
    assert made.status_code == 201, made.text
    # Its creation finds the four-day run in the history: earned at once, and once.
    earned = client.get("/v1/me/badges", headers=h).json()["earned"]
    assert [b["badge"]["name"] for b in earned] == ["Empat Hari"]
    assert log_on(client, h, "2026-11-11") == []


def test_penjelajah_genre_counts_each_genre_once(client, factory, palu):
    h = factory.headers(factory.member(palu))
    genres = ["novel", "komik", "Novel", "sejarah", "puisi", "komik", "sains"]
    earned = []
    for n, genre in enumerate(genres):
        body = {"book": {"title": f"Buku {n}", "genre": genre}, "pages": 5}
        r = client.post("/v1/reading-logs", json=body, headers=h)
        assert r.status_code == 201, r.text
        earned.append([b["name"] for b in r.json()["badges_earned"]])
    # novel, komik, sejarah, puisi, sains: the fifth distinct genre arrives with the last log
    assert earned[:-1] == [[]] * 6
    assert earned[-1] == ["Penjelajah Genre"]
    assert client.get("/v1/me/stats", headers=h).json()["genres"] == 5


def n_badges(factory, *where):
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(Badge).where(*where)).scalar_one()
