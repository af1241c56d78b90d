"""Local days: a Palu (WITA, UTC+8) and a Semarang (WIB, UTC+7) member around midnight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


def log(client, factory, member, **kw):
    body = {"book": {"title": "Negeri 5 Menara"}, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=factory.headers(member))
    assert r.status_code == 201, r.text
    return r.json()


# 16:30 UTC is 00:30 the next day in Palu but 23:30 the same day in Semarang.
AROUND_MIDNIGHT = datetime(2026, 11, 17, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(("slug", "expected"), [("palu", "2026-11-18"), ("semarang", "2026-11-17")])
def test_the_local_day_follows_the_library(client, factory, clock, slug, expected):
    member = factory.member(factory.library(slug))
    clock.set(AROUND_MIDNIGHT)
    assert log(client, factory, member, pages=5)["log"]["read_on"] == expected


def test_daily_cap_resets_at_local_midnight(client, factory, clock):
    palu = factory.member(factory.library("palu"))
    semarang = factory.member(factory.library("semarang"))
    clock.set(datetime(2026, 11, 17, 15, 50, tzinfo=UTC))  # 23:50 WITA, 22:50 WIB
    for m in (palu, semarang):
        assert log(client, factory, m, pages=450)["log"]["status"] == "accepted"
    clock.set(AROUND_MIDNIGHT)  # a new day in Palu only
    assert log(client, factory, palu, pages=100)["log"]["status"] == "accepted"
    assert log(client, factory, semarang, pages=100)["log"]["status"] == "pending_review"


def test_streak_counts_local_days(client, factory, clock):
    palu = factory.member(factory.library("palu"))
    # 23:00 WITA on the 15th, 16th and (via 15:30 UTC) 17th: three local days.
    for day in (15, 16, 17):
        clock.set(datetime(2026, 11, day, 15, 0, tzinfo=UTC))
        out = log(client, factory, palu, pages=5)
    assert out["log"]["read_on"] == "2026-11-17"
    streak = [a for a in out["awards"] if a["rule_code"] == "bonus.streak"]
    assert streak and streak[0]["amount"] == 5
    stats = client.get("/v1/me/stats", headers=factory.headers(palu)).json()
    assert stats["current_streak"] == 3
