"""POST /v1/libraries/{slug}/rescore: a dry run of a re-settlement (or of a rules change),
then the re-settlement itself."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.core.db import transaction
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge
from app.models.reading import LedgerEntry
from tests.factories import november_challenge


def rows(factory) -> int:
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


def log(client, h, **kw):
    body = {"book": {"title": kw.pop("title", "Gadis Kretek"), "genre": "novel"}, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def total(client, h) -> int:
    return client.get("/v1/me/points", headers=h).json()["total"]


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff_h(factory, palu):
    return factory.headers(factory.staff(palu))


def history(client, factory, palu, pages=(30, 40, 50)):
    """A reader with one log a day for the last len(pages) days (a 3-day streak)."""
    reader = factory.member(palu, display_name="Siti Rahma")
    h = factory.headers(reader)
    for back, n in zip(range(len(pages) - 1, -1, -1), pages, strict=True):
        log(client, h, pages=n, read_on=(date(2026, 11, 17) - timedelta(days=back)).isoformat())
    return reader, h


def rescore(client, h, slug="palu", **body):
    return client.post(f"/v1/libraries/{slug}/rescore", json=body, headers=h)


def test_a_dry_run_of_proposed_rules_says_who_gains_and_changes_nothing(
    client, factory, palu, staff_h
):
    reader, h = history(client, factory, palu)
    small, _sh = history(client, factory, palu, pages=(5,))
    before_rows, before_total = rows(factory), total(client, h)
    r = rescore(client, staff_h, scoring={"points_per_page": 2, "streak_bonus_per_day": 10})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["applied"] is False
    assert out["scoring"]["points_per_page"] == 2
    assert out["members_checked"] == 3  # the staff member too
    assert out["members_gaining"] == 2 and out["members_losing"] == 0
    # 120 more reading points, and day 3's streak bonus goes from 5 to 10
    assert out["top_gains"][0] == {
        "member_id": reader.id,
        "name": "Siti Rahma",
        "total_before": before_total,
        "total_after": before_total + 125,
        "change": 125,
    }
    assert out["top_gains"][1]["member_id"] == small.id
    assert out["top_gains"][1]["change"] == 5
    assert out["points_change"] == 130
    assert out["rows"] == 5  # three pages rows and one streak row, and the small reader's
    assert out["badges_earned"] == out["challenges_completed"] == []
    # nothing changed: not the ledger, not the total, not the saved rules
    assert rows(factory) == before_rows
    assert total(client, h) == before_total
    saved = client.get("/v1/libraries/palu").json()["scoring"]
    assert saved["points_per_page"] == 1


def test_a_dry_run_under_the_saved_rules_finds_nothing_after_live_scoring(
    client, factory, palu, staff_h
):
    history(client, factory, palu)
    out = rescore(client, staff_h).json()  # dry_run is the default
    assert out["applied"] is False
    assert (out["members_gaining"], out["members_losing"], out["rows"]) == (0, 0, 0)
    assert out["top_gains"] == out["top_losses"] == []


def test_lower_rules_list_the_members_who_would_lose(client, factory, palu, staff_h):
    reader, h = history(client, factory, palu)
    out = rescore(client, staff_h, scoring={"points_per_page": 0}).json()
    assert out["members_losing"] == 1 and out["members_gaining"] == 0
    loss = out["top_losses"][0]
    assert loss["member_id"] == reader.id
    assert loss["change"] == -120 and loss["total_after"] == total(client, h) - 120


def test_applying_resettles_under_the_saved_rules_once(client, factory, palu, staff_h):
    _reader, h = history(client, factory, palu)
    before = total(client, h)
    r = client.patch(
        "/v1/libraries/palu", json={"scoring": {"points_per_page": 2}}, headers=staff_h
    )
    assert r.status_code == 200, r.text
    preview = rescore(client, staff_h).json()
    assert preview["top_gains"][0]["change"] == 120
    applied = rescore(client, staff_h, dry_run=False).json()
    assert applied["applied"] is True
    assert applied["top_gains"] == preview["top_gains"]
    assert applied["rows"] == preview["rows"] == 3
    assert total(client, h) == before + 120
    after_rows = rows(factory)
    again = rescore(client, staff_h, dry_run=False).json()
    assert (again["rows"], again["members_gaining"], again["members_losing"]) == (0, 0, 0)
    assert rows(factory) == after_rows  # a second run books nothing
    assert client.get("/v1/me/points", headers=h).json()["by_rule"]["reading.pages"] == 240


def test_a_badge_the_figures_call_for_is_previewed_then_awarded(client, factory, palu, staff_h):
    reader, h = history(client, factory, palu)
    with transaction(factory.engine) as s:  # made without awarding anyone
        s.add(
            Badge(
                library_id=palu.id,
                name="Seratus Halaman",
                criteria=[{"metric": "pages", "target": 100}],
                bonus_points=15,
                created_at=factory.clock.now(),
            )
        )
    before = total(client, h)
    out = rescore(client, staff_h).json()
    assert [(b["member_id"], b["badge_name"]) for b in out["badges_earned"]] == [
        (reader.id, "Seratus Halaman")
    ]
    assert out["top_gains"][0]["change"] == 15
    with factory.session() as s:
        assert s.execute(select(func.count()).select_from(BadgeAward)).scalar_one() == 0
    applied = rescore(client, staff_h, dry_run=False).json()
    assert [b["badge_name"] for b in applied["badges_earned"]] == ["Seratus Halaman"]
    assert total(client, h) == before + 15
    earned = client.get("/v1/me/badges", headers=h).json()["earned"]
    assert [b["badge"]["name"] for b in earned] == ["Seratus Halaman"]
    assert rescore(client, staff_h).json()["badges_earned"] == []


def test_a_lowered_target_is_previewed_then_completed(client, factory, palu, staff_h):
    reader, h = history(client, factory, palu, pages=(30,))
    r = client.post(
        "/v1/challenges", json=november_challenge(target=200, bonus_points=40), headers=staff_h
    )
    assert r.status_code == 201, r.text
    ch = r.json()["id"]
    assert client.post(f"/v1/challenges/{ch}/join", headers=h).status_code in (200, 201)
    log(client, h, pages=50)
    with transaction(factory.engine) as s:  # the target lowered behind the app's back
        s.execute(update(Challenge).where(Challenge.id == ch).values(target=60))
    before = total(client, h)
    out = rescore(client, staff_h).json()
    assert [
        (c["member_id"], c["challenge_id"], c["progress"]) for c in out["challenges_completed"]
    ] == [(reader.id, ch, 80)]
    assert out["top_gains"][0]["change"] == 40
    applied = rescore(client, staff_h, dry_run=False).json()
    assert len(applied["challenges_completed"]) == 1
    assert total(client, h) == before + 40
    progress = client.get(f"/v1/challenges/{ch}/progress", headers=h).json()
    assert progress["completed"] is True


def test_only_the_librarys_staff_or_an_admin_may_rescore(client, factory, palu, staff_h):
    _reader, h = history(client, factory, palu)
    assert rescore(client, h).status_code == 403
    other = factory.staff(factory.library("semarang"))
    assert rescore(client, factory.headers(other)).status_code == 403
    assert rescore(client, {}).status_code == 401
    admin = factory.headers(factory.admin())
    assert rescore(client, admin).status_code == 200
    assert rescore(client, admin, slug="nowhere").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"dry_run": False, "scoring": {"points_per_page": 2}},
        {"scoring": {"points_per_page": -1}},
        {"scoring": {"no_such_rule": 1}},
        {"dry_run": "perhaps"},
        {"extra": 1},
    ],
)
def test_bad_requests_are_422_and_change_nothing(client, factory, palu, staff_h, body):
    history(client, factory, palu)
    before = rows(factory)
    r = rescore(client, staff_h, **body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert rows(factory) == before
