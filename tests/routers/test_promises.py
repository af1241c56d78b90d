"""Promises of the README and the brief that a member or a librarian would notice broken.

Each test here was seen failing with a one-line bug planted in the code it guards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import Member
from app.models.reading import ReadingLog
from app.models.share import Share
from tests.factories import november_challenge

PROBLEM = "application/problem+json"


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def semarang(factory):
    return factory.library("semarang")


def count(factory, model, *where):
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def log(client, h, *, title="Bumi Manusia", **kw):
    body = {"book": {"title": title, "author": "Pramoedya"}, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


# --- staff act on their own library only -------------------------------------------------


def test_staff_naming_another_library_are_refused_and_nothing_changes(
    client, factory, palu, semarang
):
    staff = factory.staff(palu)
    h = factory.headers(staff)
    # A flagged log in Semarang that Palu's staff must never see.
    log(client, factory.headers(factory.member(semarang)), pages=600)
    r = client.get("/v1/moderation/reading-logs", params={"library": "semarang"}, headers=h)
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    badge = {"name": "Curang", "criteria": [{"metric": "pages", "target": 10}]}
    r = client.post("/v1/badges", params={"library": "semarang"}, json=badge, headers=h)
    assert r.status_code == 403
    r = client.post(
        "/v1/challenges", params={"library": "semarang"}, json=november_challenge(), headers=h
    )
    assert r.status_code == 403
    assert count(factory, Badge) == 0
    assert count(factory, Challenge) == 0
    # Their own library, named or not, works; an administrator may name any.
    own = client.get("/v1/moderation/reading-logs", params={"library": "palu"}, headers=h)
    assert own.status_code == 200
    admin = factory.headers(factory.admin())
    listed = client.get(
        "/v1/moderation/reading-logs", params={"library": "semarang"}, headers=admin
    )
    assert [q["log"]["pages"] for q in listed.json()["items"]] == [600]


# --- registration ---------------------------------------------------------------------------


def register(client, birth_year, email):
    body = {
        "email": email,
        "password": "panjang-sekali-123",
        "display_name": "Dewi Anggraini",
        "birth_year": birth_year,
        "library": "palu",
    }
    return client.post("/v1/auth/register", json=body)


def test_self_registration_starts_at_thirteen(client, factory, palu):
    year = factory.clock.now().year
    r = register(client, year - 12, "dua-belas@example.org")
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert count(factory, Member, Member.email == "dua-belas@example.org") == 0
    r = register(client, year - 13, "tiga-belas@example.org")
    assert r.status_code == 201, r.text
    assert r.json()["member"]["age_group"] == "teens"


# --- challenges: hashtags, leaving, badges ------------------------------------------------


def test_a_hashtag_joins_only_members_of_the_challenges_age_groups(client, factory, palu):
    staff = factory.staff(palu)
    body = november_challenge(age_groups=["kids"], target=100)
    ch = client.post("/v1/challenges", json=body, headers=factory.headers(staff)).json()
    adult = factory.member(palu)
    child = factory.child(adult, age=9)
    tag = ["#TantanganBacaNovember"]
    grown = log(client, factory.headers(adult), pages=30, hashtags=tag)
    assert grown["challenges"] == []
    assert grown["log"]["points"] == 30  # no challenge multiplier either
    kid = log(client, factory.child_headers(adult, child), pages=30, hashtags=tag)
    assert [c["challenge_id"] for c in kid["challenges"]] == [ch["id"]]
    members = {ChallengeParticipant.challenge_id == ch["id"]}
    with factory.session() as s:
        joined = s.execute(select(ChallengeParticipant.member_id).where(*members)).scalars()
        assert list(joined) == [child.id]


def test_leaving_a_challenge_stops_it_counting(client, factory, palu):
    staff = factory.staff(palu)
    ch = client.post(
        "/v1/challenges", json=november_challenge(target=500), headers=factory.headers(staff)
    ).json()
    reader = factory.member(palu)
    h = factory.headers(reader)
    assert client.post(f"/v1/challenges/{ch['id']}/join", headers=h).status_code == 200
    inside = log(client, h, pages=10)
    assert inside["log"]["points"] == 20  # x2 inside a joined challenge
    r = client.delete(f"/v1/challenges/{ch['id']}/join", headers=h)
    assert r.status_code == 204
    assert count(factory, ChallengeParticipant, ChallengeParticipant.member_id == reader.id) == 0
    outside = log(client, h, title="Pulang", pages=10)
    assert outside["log"]["points"] == 10
    assert outside["challenges"] == []
    progress = client.get(f"/v1/challenges/{ch['id']}/progress", headers=h).json()
    assert progress["joined"] is False
    again = client.delete(f"/v1/challenges/{ch['id']}/join", headers=h)
    assert again.status_code == 404


def test_a_challenge_cannot_name_another_librarys_badge(client, factory, palu, semarang):
    with factory.session() as s:
        theirs = Badge(
            library_id=semarang.id,
            name="Milik Semarang",
            criteria=[{"metric": "pages", "target": 10}],
            created_at=factory.clock.now(),
        )
        s.add(theirs)
        s.commit()
        s.refresh(theirs)
    h = factory.headers(factory.staff(palu))
    r = client.post("/v1/challenges", json=november_challenge(badge_id=theirs.id), headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert count(factory, Challenge) == 0


def test_completing_a_challenge_awards_its_badge_once(client, factory, palu):
    staff = factory.staff(palu)
    hs = factory.headers(staff)
    # The badge's own criterion is far away: only the challenge can award it.
    b = client.post(
        "/v1/badges",
        json={
            "name": "Juara November",
            "criteria": [{"metric": "pages", "target": 100000}],
            "bonus_points": 25,
        },
        headers=hs,
    )
    assert b.status_code == 201, b.text
    badge_id = b.json()["id"]
    body = november_challenge(target=100, bonus_points=50, badge_id=badge_id)
    ch = client.post("/v1/challenges", json=body, headers=hs).json()
    reader = factory.member(palu)
    h = factory.headers(reader)
    r = log(client, h, pages=100, hashtags=["#TantanganBacaNovember"])
    assert r["challenges"][0]["completed_now"] is True
    earned = client.get("/v1/me/badges", headers=h).json()["earned"]
    assert [e["badge"]["id"] for e in earned] == [badge_id]
    # 100 pages x2, +50 for the challenge, +25 for its badge
    assert client.get("/v1/me/points", headers=h).json()["total"] == 200 + 50 + 25
    log(client, h, title="Pulang", pages=10, hashtags=["#TantanganBacaNovember"])
    assert count(factory, BadgeAward, BadgeAward.member_id == reader.id) == 1
    assert ch["badge_id"] == badge_id


# --- reading: deletion, the offline batch ------------------------------------------------


def test_deleting_a_pending_log_clears_its_pending_points(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    flagged = log(client, h, pages=600)
    assert flagged["log"]["status"] == "pending_review"
    assert client.get("/v1/me/points", headers=h).json()["pending"] == 600
    assert client.delete(f"/v1/reading-logs/{flagged['log']['id']}", headers=h).status_code == 204
    points = client.get("/v1/me/points", headers=h).json()
    assert (points["total"], points["pending"]) == (0, 0)
    staff = factory.headers(factory.staff(palu))
    assert client.get("/v1/moderation/reading-logs", headers=staff).json()["items"] == []


def test_a_client_id_twice_in_one_batch_is_refused_and_counts_once(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    item = {"client_id": "hp-1", "book": {"title": "Laskar Pelangi"}, "pages": 10}
    r = client.post("/v1/reading-logs/batch", json={"items": [item, dict(item)]}, headers=h)
    assert r.status_code == 200, r.text
    first, second = r.json()["items"]
    assert first["outcome"] == "accepted"
    assert second["outcome"] == "error"
    assert second["problem"]["type"].endswith("duplicate-client-id")
    assert count(factory, ReadingLog, ReadingLog.member_id == reader.id) == 1
    assert r.json()["totals"]["total"] == 10


# --- moderation's status filter -----------------------------------------------------------


def test_the_moderation_list_shows_the_status_asked_for(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    kept = log(client, h, pages=600)["log"]
    dropped = log(client, h, title="Pulang", pages=700)["log"]
    staff = factory.headers(factory.staff(palu))
    r = client.post(f"/v1/moderation/reading-logs/{dropped['id']}/reject", headers=staff)
    assert r.status_code == 200

    def listed(status):
        r = client.get("/v1/moderation/reading-logs", params={"status": status}, headers=staff)
        assert r.status_code == 200
        return [q["log"]["id"] for q in r.json()["items"]]

    assert listed("pending_review") == [kept["id"]]
    assert listed("rejected") == [dropped["id"]]
    assert listed("accepted") == []


# --- what a member reads about themselves -------------------------------------------------


def test_stats_keep_pages_and_minutes_apart_and_the_week_inside_the_month(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    # Tuesday 17 November (local), and Tuesday 10 November: same month, another week.
    log(client, h, pages=30, minutes=45)
    log(client, h, title="Pulang", pages=10, minutes=20, read_on="2026-11-10")
    stats = client.get("/v1/me/stats", headers=h).json()
    assert (stats["pages"], stats["minutes"], stats["logs"]) == (40, 65, 2)
    week, month = stats["this_week"], stats["this_month"]
    assert (week["pages"], week["minutes"], week["logs"]) == (30, 45, 1)
    assert (month["pages"], month["minutes"], month["logs"]) == (40, 65, 2)
    assert (week["points"], month["points"]) == (30, 40)


def test_books_search_finds_only_matching_titles(client, factory, palu):
    h = factory.headers(factory.member(palu))
    log(client, h, title="Bumi Manusia", pages=1)
    log(client, h, title="Laskar Pelangi", pages=1)
    r = client.get("/v1/books", params={"q": "bumi"}, headers=h)
    assert r.status_code == 200
    assert [b["title"] for b in r.json()["items"]] == ["Bumi Manusia"]
    both = client.get("/v1/books", headers=h).json()["items"]
    assert sorted(b["title"] for b in both) == ["Bumi Manusia", "Laskar Pelangi"]
    assert client.get("/v1/books", params={"q": "tidak ada"}, headers=h).json()["items"] == []


# --- sharing ---------------------------------------------------------------------------------


def share(client, h, subject, platforms=("x",), language="id"):
    body = {"subject": subject, "platforms": list(platforms), "language": language}
    return client.post("/v1/share", json=body, headers=h)


def test_a_rank_share_says_the_members_own_rank(client, factory, palu):
    first, second, third = (factory.member(palu) for _ in range(3))
    log(client, factory.headers(first), pages=200)
    log(client, factory.headers(second), pages=50)
    log(client, factory.headers(third), pages=10)
    r = share(client, factory.headers(second), {"type": "leaderboard_rank", "period": "week"})
    assert r.status_code == 201, r.text
    assert "posisi ke-2 " in r.json()["payloads"]["x"]["text"]
    en = share(
        client,
        factory.headers(third),
        {"type": "leaderboard_rank", "period": "week"},
        language="en",
    )
    assert " is 3rd on " in en.json()["payloads"]["x"]["text"]
    with factory.session() as s:
        ranks = s.execute(select(Share.member_id, Share.context).order_by(Share.id)).all()
    assert [(m, c["rank"]) for m, c in ranks] == [(second.id, 2), (third.id, 3)]


def test_sharing_earns_a_shares_badge(client, factory, palu):
    staff = factory.headers(factory.staff(palu))
    b = client.post(
        "/v1/badges",
        json={"name": "Duta Baca", "criteria": [{"metric": "shares", "target": 1}]},
        headers=staff,
    )
    assert b.status_code == 201, b.text
    reader = factory.member(palu)
    h = factory.headers(reader)
    read = log(client, h, pages=20)
    assert read["badges_earned"] == []
    r = share(client, h, {"type": "reading_log", "id": read["log"]["id"]})
    assert r.status_code == 201, r.text
    assert [e["name"] for e in r.json()["badges_earned"]] == ["Duta Baca"]
    earned = client.get("/v1/me/badges", headers=h).json()["earned"]
    assert [e["badge"]["name"] for e in earned] == ["Duta Baca"]
