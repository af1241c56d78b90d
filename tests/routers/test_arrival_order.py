"""Order of arrival: a set of logs earns the same points whatever order it arrives in (an
offline phone sends newest first, or back-fills days before today), and that is what
`rescore` computes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.verify import check

TODAY = date(2026, 11, 17)


def day(back: int) -> str:
    return (TODAY - timedelta(days=back)).isoformat()


def item(back: int, n: int = 0, pages: int = 10) -> dict:
    return {
        "client_id": f"d{back}-{n}",
        "book": {"title": f"Buku {back}-{n}"},
        "pages": pages,
        "read_on": day(back),
    }


def batch(client, h, items):
    r = client.post("/v1/reading-logs/batch", json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    assert all(i["outcome"] == "accepted" for i in r.json()["items"]), r.text
    return r.json()


def log(client, h, back: int, pages: int = 10, **kw):
    body = {"book": {"title": f"Buku {back}"}, "pages": pages, "read_on": day(back), **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def points(client, h):
    return client.get("/v1/me/points", headers=h).json()


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def resettled_changes(client, factory, palu) -> dict:
    """What a re-settlement would change now (nothing, when live scoring = replay)."""
    staff = factory.headers(factory.staff(palu))
    r = client.post("/v1/libraries/palu/rescore", json={"dry_run": True}, headers=staff)
    assert r.status_code == 200, r.text
    out = r.json()
    return {"rows": out["rows"], "gaining": out["members_gaining"], "losing": out["members_losing"]}


def test_an_offline_batch_earns_the_same_newest_or_oldest_first(client, factory, palu):
    oldest, newest = factory.member(palu), factory.member(palu)
    ho, hn = factory.headers(oldest), factory.headers(newest)
    batch(client, ho, [item(2), item(1), item(0)])
    batch(client, hn, [item(0), item(1), item(2)])
    assert points(client, ho)["total"] == 35  # 3 x 10 pages, +5 on the third day
    assert points(client, hn)["total"] == 35
    assert points(client, hn)["by_rule"]["bonus.streak"] == 5
    assert resettled_changes(client, factory, palu) == {"rows": 0, "gaining": 0, "losing": 0}
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_back_filling_the_days_before_today_pays_todays_streak_bonus(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    today = log(client, h, 0)
    log(client, h, 1)
    filled = log(client, h, 2)
    # the back-fill's answer shows the bonus it made today's log earn
    assert [(a["rule_code"], a["amount"], a["log_id"]) for a in filled["awards"]] == [
        ("reading.pages", 10, filled["log"]["id"]),
        ("bonus.streak", 5, today["log"]["id"]),
    ]
    assert filled["totals"]["total"] == 35
    stats = client.get("/v1/me/stats", headers=h).json()
    assert stats["current_streak"] == 3
    listed = {
        i["id"]: i["points"] for i in client.get("/v1/reading-logs", headers=h).json()["items"]
    }
    assert listed[today["log"]["id"]] == 15  # a log's points are its net rows
    assert resettled_changes(client, factory, palu) == {"rows": 0, "gaining": 0, "losing": 0}
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_filling_a_gap_joins_two_streaks(client, factory, palu):
    gap, straight = factory.member(palu), factory.member(palu)
    hg, hs = factory.headers(gap), factory.headers(straight)
    for back in (5, 4, 2, 1, 0):
        log(client, hg, back)
    log(client, hg, 3)
    for back in (5, 4, 3, 2, 1, 0):
        log(client, hs, back)
    # day 3 +5, day 4 +10, day 5 +15, day 6 +20
    assert points(client, hg)["total"] == points(client, hs)["total"] == 60 + 50
    assert resettled_changes(client, factory, palu) == {"rows": 0, "gaining": 0, "losing": 0}


def test_approving_a_late_day_pays_the_streak_of_the_days_after_it(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log(client, h, 2)
    waiting = log(client, h, 1, pages=600)
    assert waiting["log"]["status"] == "pending_review"
    log(client, h, 0)
    assert points(client, h)["total"] == 20  # day 1 waits: no streak yet
    staff = factory.headers(factory.staff(palu))
    r = client.post(f"/v1/moderation/reading-logs/{waiting['log']['id']}/approve", headers=staff)
    assert r.status_code == 200, r.text
    assert points(client, h)["total"] == 10 + 600 + 10 + 5
    assert resettled_changes(client, factory, palu) == {"rows": 0, "gaining": 0, "losing": 0}
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []
