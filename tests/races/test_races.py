"""Races against a real server (uvicorn, two worker processes, PostgreSQL): requests that
read and then write, released at once, several rounds each, `ledger verify` after each.

Approval against deletion of one pending log, parallel deletes of one log, a double
click on "create challenge" or "create badge", and a guardian's children past the limit.
SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so these only race on
PostgreSQL; the harness is `tests/test_concurrency.py`'s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.core.clock import local_date
from app.models.badge import Badge
from app.models.challenge import Challenge
from app.models.member import Member
from app.models.reading import LedgerEntry, ReadingLog
from app.services.members import MAX_CHILDREN
from app.services.verify import check
from tests.factories import CONSENT, Factory
from tests.test_concurrency import (
    PALU_TZ,
    USE_PG,
    LiveServer,
    assert_clean_log,
    assert_no_5xx,
    fire,
    is_problem,
    settle,
)

pytestmark = pytest.mark.skipif(
    not USE_PG, reason="needs PostgreSQL: SQLite serialises every write transaction"
)

ROUNDS = 5


def verified(live: LiveServer, factory: Factory) -> None:
    """Every invariant of `ledger verify` holds once the server's commits have landed."""
    settle(live, factory.engine)
    with factory.session() as s:
        breaches = check(s, datetime.now(UTC))
    assert breaches == [], breaches


def pending_log(live: LiveServer, auth: dict[str, str], pages: int = 600) -> dict[str, Any]:
    """A log over the daily cap of 500 pages: it waits for staff with its points."""
    r = httpx.post(
        f"{live.url}/v1/reading-logs",
        json={"book": {"title": "Bumi Manusia", "pages": 900}, "pages": pages},
        headers=auth,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["log"]["status"] == "pending_review"
    return body


def net_of_log(factory: Factory, log_id: int) -> int:
    with factory.session() as s:
        return int(
            s.execute(
                select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                    LedgerEntry.log_id == log_id
                )
            ).scalar_one()
        )


def test_approval_racing_the_members_delete_leaves_no_points(live, factory, now_factory):
    palu = factory.library("palu")
    staff = now_factory.headers(factory.staff(palu))
    for _ in range(ROUNDS):
        reader = factory.member(palu)
        auth = now_factory.headers(reader)
        log_id = pending_log(live, auth)["log"]["id"]
        approve = {
            "method": "POST",
            "url": f"/v1/moderation/reading-logs/{log_id}/approve",
            "headers": staff,
        }
        delete = {"method": "DELETE", "url": f"/v1/reading-logs/{log_id}", "headers": auth}
        responses = fire(live, [approve, delete, approve, delete, approve, delete])
        assert_no_5xx(responses, live)
        approves, deletes = responses[0::2], responses[1::2]
        assert sorted(r.status_code for r in deletes) == [204, 404, 404], [
            (r.status_code, r.text[:200]) for r in deletes
        ]
        approved = [r for r in approves if r.status_code == 200]
        assert len(approved) <= 1
        for r in approves:
            # a deleted log is not found; one approved already is no longer pending
            assert r.status_code == 200 or is_problem(r, 404) or is_problem(r, 409), r.text
        settle(live, factory.engine)
        with factory.session() as s:
            log = s.get(ReadingLog, log_id)
            member = s.get(Member, reader.id)
        assert log is not None and log.deleted_at is not None
        assert net_of_log(factory, log_id) == 0  # the deleted log keeps no points
        assert member is not None
        assert (member.points_total, member.points_pending) == (0, 0)
        after = httpx.post(f"{live.url}{approve['url']}", headers=staff, timeout=10)
        assert is_problem(after, 404), after.text  # approving a deleted log: not found
        verified(live, factory)
    assert_clean_log(live)


def test_parallel_deletes_of_one_pending_log_take_its_points_once(live, factory, now_factory):
    palu = factory.library("palu")
    for _ in range(ROUNDS):
        reader = factory.member(palu)
        auth = now_factory.headers(reader)
        log_id = pending_log(live, auth)["log"]["id"]
        delete = {"method": "DELETE", "url": f"/v1/reading-logs/{log_id}", "headers": auth}
        responses = fire(live, [delete] * 8)  # a double tap, a client's retries
        assert_no_5xx(responses, live)
        assert sorted(r.status_code for r in responses) == [204] + [404] * 7, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        points = httpx.get(f"{live.url}/v1/me/points", headers=auth, timeout=10).json()
        assert (points["total"], points["pending"]) == (0, 0)
        verified(live, factory)
    assert_clean_log(live)


def test_a_double_click_creates_one_challenge_and_one_bonus(live, factory, now_factory):
    palu = factory.library("palu")
    staff = now_factory.headers(factory.staff(palu))
    today = local_date(datetime.now(UTC), PALU_TZ)
    for n in range(ROUNDS):
        tag = f"#TantanganKlik{n}"
        body = {
            "title": "Tantangan Klik Ganda",
            "hashtag": tag,
            "starts_on": (today - timedelta(days=1)).isoformat(),
            "ends_on": (today + timedelta(days=6)).isoformat(),
            "goal": "pages",
            "target": 20,
            "bonus_points": 50,
        }
        call = {"method": "POST", "url": "/v1/challenges", "json": body, "headers": staff}
        responses = fire(live, [call] * 5)
        assert_no_5xx(responses, live)
        assert sorted(r.status_code for r in responses) == [201] + [409] * 4, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        assert all(is_problem(r, 409, "hashtag-taken") for r in responses if r.status_code != 201)
        reader = factory.member(palu)
        auth = now_factory.headers(reader)
        r = httpx.post(
            f"{live.url}/v1/reading-logs",
            json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": 20, "hashtags": [tag]},
            headers=auth,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        bonuses = [a["amount"] for a in r.json()["awards"] if a["rule_code"] == "bonus.challenge"]
        assert bonuses == [50]  # one challenge, one completion bonus
        verified(live, factory)
    with factory.session() as s:
        made = s.execute(
            select(func.count()).select_from(Challenge).where(Challenge.library_id == palu.id)
        ).scalar_one()
    assert made == ROUNDS
    assert_clean_log(live)


def test_a_double_click_creates_one_badge_and_no_500(live, factory, now_factory):
    palu = factory.library("palu")
    staff = now_factory.headers(factory.staff(palu))
    for n in range(ROUNDS):
        body = {"name": f"Pembaca Kilat {n}", "criteria": [{"metric": "pages", "target": 100}]}
        call = {"method": "POST", "url": "/v1/badges", "json": body, "headers": staff}
        responses = fire(live, [call] * 5)
        assert_no_5xx(responses, live)
        assert sorted(r.status_code for r in responses) == [201] + [409] * 4, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        assert all(is_problem(r, 409, "already-taken") for r in responses if r.status_code != 201)
        verified(live, factory)
    with factory.session() as s:
        made = s.execute(
            select(func.count()).select_from(Badge).where(Badge.library_id == palu.id)
        ).scalar_one()
    assert made == ROUNDS
    assert_clean_log(live)


def test_simultaneous_children_stop_at_the_limit(live, factory, now_factory):
    palu = factory.library("palu")
    year = local_date(datetime.now(UTC), PALU_TZ).year
    for n in range(ROUNDS):
        guardian = factory.member(palu)
        auth = now_factory.headers(guardian)
        calls = [
            {
                "method": "POST",
                "url": "/v1/me/children",
                "json": {
                    "display_name": f"Anak {i}",
                    "nickname": f"Kancil{n}x{i}x{guardian.id}",
                    "birth_year": year - 8,
                    "consent": CONSENT,
                },
                "headers": auth,
            }
            for i in range(16)
        ]
        responses = fire(live, calls)
        assert_no_5xx(responses, live)
        created = [r for r in responses if r.status_code == 201]
        assert len(created) == MAX_CHILDREN, [(r.status_code, r.text[:200]) for r in responses]
        assert all(is_problem(r, 409, "too-many") for r in responses if r.status_code != 201)
        settle(live, factory.engine)
        with factory.session() as s:
            kids = s.execute(
                select(func.count()).select_from(Member).where(Member.guardian_id == guardian.id)
            ).scalar_one()
        assert kids == MAX_CHILDREN
    verified(live, factory)
    assert_clean_log(live)
