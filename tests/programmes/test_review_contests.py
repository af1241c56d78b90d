"""Review contests through the API: a challenge whose goal counts approved reviews written
in its window; a review's hashtag joins it; completion pays its bonus and badge once, and
is taken back when an approval is withdrawn or the review removed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.models.badge import BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library
from app.scoring import BONUS_CHALLENGE
from app.scoring.programmes import PROGRAMME_REVIEW, REVIEW_POINTS
from app.services.verify import check
from tests.conftest import USE_PG

PROBLEM = "application/problem+json"
TAG = "#LombaUlasanNovember"
TITLES = ("Laskar Pelangi", "Bumi Manusia", "Cantik Itu Luka", "Pulang")


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff_h(factory, palu):
    return factory.headers(factory.staff(palu))


def contest(client, h, **kw):
    body = {
        "title": "Lomba Ulasan November",
        "hashtag": TAG,
        "starts_on": "2026-11-10",
        "ends_on": "2026-11-30",
        "goal": "reviews",
        "target": 2,
        "bonus_points": 30,
        **kw,
    }
    r = client.post("/v1/challenges", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def finished_books(client, h, titles=TITLES):
    ids = []
    for title in titles:
        r = client.post(
            "/v1/reading-logs",
            json={"book": {"title": title}, "pages": 5, "finished": True},
            headers=h,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["log"]["book"]["id"])
    return ids


def review(client, h, book_id, hashtags=(TAG,), text="Kisah yang kuat dan menyentuh."):
    r = client.post(
        f"/v1/books/{book_id}/reviews",
        json={"rating": 4, "text": text, "hashtags": list(hashtags)},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def points(client, h):
    return client.get("/v1/me/points", headers=h).json()


def me(client, h, challenge_id):
    return client.get(f"/v1/challenges/{challenge_id}", headers=h).json()["me"]


def test_a_review_contest_counts_approved_reviews_and_pays_its_bonus_and_badge_once(
    client, factory, palu, staff_h
):
    badge = client.post(
        "/v1/badges",
        json={
            "name": "Pengulas November",
            "criteria": [{"metric": "pages", "target": 100000}],
            "bonus_points": 5,
        },
        headers=staff_h,
    ).json()
    ch = contest(client, staff_h, badge_id=badge["id"])
    assert ch["goal"] == "reviews"
    reader = factory.member(palu)
    h = factory.headers(reader)
    books = finished_books(client, h)
    reading_points = points(client, h)["total"]
    first = review(client, h, books[0])
    # the hashtag joined the member; a pending review does not count yet
    assert me(client, h, ch["id"])["joined"] is True
    assert me(client, h, ch["id"])["current"] == 0
    ok = client.post(f"/v1/moderation/reviews/{first}/approve", headers=staff_h).json()
    assert [(c["challenge_id"], c["current"], c["completed"]) for c in ok["challenges"]] == [
        (ch["id"], 1, False)
    ]
    assert me(client, h, ch["id"])["label"] == "1 dari 2 ulasan disetujui"
    second = review(client, h, books[1], hashtags=())  # once joined, every review counts
    done = client.post(f"/v1/moderation/reviews/{second}/approve", headers=staff_h).json()
    assert done["challenges"][0]["completed_now"] is True
    assert sorted((p["rule_code"], p["amount"]) for p in done["points"]) == sorted(
        [(PROGRAMME_REVIEW, REVIEW_POINTS), (BONUS_CHALLENGE, 30), ("bonus.badge", 5)]
    )
    third = review(client, h, books[2])
    more = client.post(f"/v1/moderation/reviews/{third}/approve", headers=staff_h).json()
    assert more["challenges"][0]["current"] == 3 and more["challenges"][0]["completed_now"] is False
    total = points(client, h)
    assert total["total"] == reading_points + 3 * REVIEW_POINTS + 30 + 5
    assert total["by_rule"][BONUS_CHALLENGE] == 30
    with factory.session() as s:
        awards = s.execute(select(BadgeAward).where(BadgeAward.member_id == reader.id)).all()
        assert len(awards) == 1
        assert check(s, factory.clock.now()) == []
    # reading while in a review contest: no challenge multiplier, no change to the count
    log = client.post(
        "/v1/reading-logs", json={"book": {"title": "Ronggeng"}, "pages": 10}, headers=h
    ).json()
    assert log["challenges"] == []
    assert sum(a["amount"] for a in log["awards"]) == 10
    assert me(client, h, ch["id"])["current"] == 3


def test_a_withdrawn_approval_or_a_removed_review_takes_the_progress_and_bonus_back(
    client, factory, palu, staff_h
):
    ch = contest(client, staff_h)
    reader = factory.member(palu)
    h = factory.headers(reader)
    books = finished_books(client, h)
    before = points(client, h)["total"]
    ids = [review(client, h, b) for b in books[:2]]
    for rid in ids:
        client.post(f"/v1/moderation/reviews/{rid}/approve", headers=staff_h)
    assert me(client, h, ch["id"])["completed"] is True
    assert points(client, h)["total"] == before + 2 * REVIEW_POINTS + 30

    no_reason = client.post(f"/v1/moderation/reviews/{ids[0]}/withdraw", json={}, headers=staff_h)
    assert no_reason.status_code == 422 and no_reason.headers["content-type"] == PROBLEM
    as_member = client.post(
        f"/v1/moderation/reviews/{ids[0]}/withdraw", json={"reason": "Menjiplak."}, headers=h
    )
    assert as_member.status_code == 403
    other = factory.headers(factory.staff(factory.library("kotamobagu")))
    elsewhere = client.post(
        f"/v1/moderation/reviews/{ids[0]}/withdraw", json={"reason": "Menjiplak."}, headers=other
    )
    assert elsewhere.status_code == 404
    assert points(client, h)["total"] == before + 2 * REVIEW_POINTS + 30  # nothing changed

    out = client.post(
        f"/v1/moderation/reviews/{ids[0]}/withdraw", json={"reason": "Menjiplak."}, headers=staff_h
    )
    assert out.status_code == 200, out.text
    body = out.json()
    assert body["review"]["status"] == "rejected"
    assert [(p["rule_code"], p["amount"]) for p in body["points"]] == [
        (PROGRAMME_REVIEW, -REVIEW_POINTS)
    ]
    assert body["challenges"][0]["current"] == 1 and body["challenges"][0]["completed"] is False
    assert points(client, h)["total"] == before + REVIEW_POINTS  # the bonus went back too
    assert me(client, h, ch["id"])["completed"] is False
    again = client.post(
        f"/v1/moderation/reviews/{ids[0]}/withdraw", json={"reason": "Lagi."}, headers=staff_h
    )
    assert again.status_code == 409 and again.json()["type"].endswith("not-approved")
    mine = {r["id"]: r for r in client.get("/v1/reviews/mine", headers=h).json()}
    assert mine[ids[0]]["reason"] == "Menjiplak."
    public = client.get(f"/v1/libraries/palu/books/{books[0]}/reviews").json()
    assert public["reviews"] == []

    # rewritten and approved again: completed again, the bonus paid once in all
    review(client, h, books[0], text="Tulisan saya sendiri kali ini.")
    client.post(f"/v1/moderation/reviews/{ids[0]}/approve", headers=staff_h)
    assert me(client, h, ch["id"])["completed"] is True
    assert points(client, h)["by_rule"][BONUS_CHALLENGE] == 30

    # the writer removes an approved review: its points and the completion go with it
    stranger = factory.headers(factory.member(palu))
    assert client.delete(f"/v1/reviews/{ids[1]}", headers=stranger).status_code == 404
    assert client.delete(f"/v1/reviews/{ids[1]}", headers=h).status_code == 204
    assert client.delete(f"/v1/reviews/{ids[1]}", headers=h).status_code == 404
    assert me(client, h, ch["id"])["current"] == 1
    total = points(client, h)
    assert total["total"] == before + REVIEW_POINTS
    assert total["by_rule"].get(BONUS_CHALLENGE, 0) == 0
    with factory.session() as s:
        assert check(s, factory.clock.now()) == []


def test_only_reviews_written_in_the_window_count_even_when_approved_after_it(
    client, factory, palu, clock
):
    staff = factory.staff(palu)
    staff_h = factory.headers(staff)
    ch = contest(client, staff_h, starts_on="2026-11-18", ends_on="2026-11-20", target=1)
    reader = factory.member(palu)
    h = factory.headers(reader)
    books = finished_books(client, h, TITLES[:2])
    client.post(f"/v1/challenges/{ch['id']}/join", headers=h)
    early = review(client, h, books[0], hashtags=())  # 17 November: before the window
    client.post(f"/v1/moderation/reviews/{early}/approve", headers=staff_h)
    assert me(client, h, ch["id"])["current"] == 0
    clock.advance(days=2)  # 19 November
    h = factory.headers(reader)  # tokens are short-lived
    inside = review(client, h, books[1], hashtags=())
    clock.advance(days=5)  # 24 November: the contest is over when staff get to it
    h, staff_h = factory.headers(reader), factory.headers(staff)
    done = client.post(f"/v1/moderation/reviews/{inside}/approve", headers=staff_h).json()
    assert done["challenges"][0]["completed_now"] is True
    assert points(client, h)["by_rule"][BONUS_CHALLENGE] == 30


def test_a_review_hashtag_joins_only_members_the_contest_is_for(client, factory, palu, staff_h):
    ch = contest(client, staff_h, age_groups=["kids"])
    adult = factory.member(palu)
    h = factory.headers(adult)
    book = finished_books(client, h, TITLES[:1])[0]
    review(client, h, book)
    assert me(client, h, ch["id"]) is None
    with factory.session() as s:
        joined = s.execute(
            select(ChallengeParticipant).where(ChallengeParticipant.challenge_id == ch["id"])
        ).all()
        assert joined == []


def test_a_review_contest_is_created_like_any_challenge_and_bad_goals_are_refused(
    client, factory, palu, staff_h
):
    for goal in ("review", "bogus", ""):
        r = client.post(
            "/v1/challenges",
            json={
                "title": "Salah",
                "hashtag": "#Salah",
                "starts_on": "2026-11-18",
                "ends_on": "2026-11-30",
                "goal": goal,
                "target": 1,
            },
            headers=staff_h,
        )
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    with factory.session() as s:
        assert s.execute(select(Challenge)).all() == []
    # a large target is reachable: reviews have no daily cap
    assert contest(client, staff_h, target=500)["target"] == 500
    # the database itself refuses any other goal
    with factory.session() as s:
        lib = s.execute(select(Library).where(Library.slug == "palu")).scalar_one()
        s.execute(
            text("UPDATE challenge SET goal = 'reviews' WHERE library_id = :id"), {"id": lib.id}
        )
        with pytest.raises(IntegrityError):
            s.execute(
                text("UPDATE challenge SET goal = 'bogus' WHERE library_id = :id"), {"id": lib.id}
            )


@pytest.mark.skipif(USE_PG, reason="SQLite's table rebuild is what drops triggers")
def test_the_migration_keeps_the_catalogue_triggers_on_challenges(factory, palu):
    with factory.session() as s:
        names = set(
            s.execute(
                text(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'trigger' AND tbl_name = 'challenge'"
                )
            ).scalars()
        )
    assert names == {f"challenge_catalogue_version_{e}" for e in ("insert", "update", "delete")}
