"""GET /v1/leaderboards: ranks and ties, periods in local time, scopes, privacy, bad input.

Every test runs twice: with the database answering, and with Redis answering.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tests.leaderboards.conftest import PROBLEM, ranks


@pytest.fixture
def palu(factory):
    return factory.library("palu")  # WITA, UTC+8


@pytest.fixture
def semarang(factory):
    return factory.library("semarang")  # WIB, UTC+7


def test_ties_share_a_rank_in_member_id_order(board, factory, award, palu):
    a, b, c, d, e = (factory.member(palu) for _ in range(5))
    for m, points in ((a, 50), (c, 40), (b, 40), (d, 40), (e, 30)):
        award(m, points)
    body = board(a)
    assert ranks(body) == [
        (1, a.id, 50),
        (2, b.id, 40),
        (2, c.id, 40),
        (2, d.id, 40),
        (5, e.id, 30),
    ]
    assert body["total_ranked"] == 5
    assert body["me"] == {
        "rank": 1,
        "member_id": a.id,
        "name": a.display_name,
        "points": 50,
        "is_me": True,
    }
    # A cut inside a tie keeps the lowest member ids, as the full list orders them.
    assert ranks(board(e, limit=2)) == [(1, a.id, 50), (2, b.id, 40)]
    assert ranks(board(e, limit=3)) == [(1, a.id, 50), (2, b.id, 40), (2, c.id, 40)]
    me = board(e, limit=2)["me"]
    assert (me["rank"], me["points"]) == (5, 30)


def test_ranks_1_2_2_4(board, factory, award, palu):
    members = [factory.member(palu) for _ in range(4)]
    for m, points in zip(members, (90, 70, 70, 10), strict=True):
        award(m, points)
    assert [e["rank"] for e in board(members[3])["entries"]] == [1, 2, 2, 4]


def test_caller_without_points_is_ranked_after_everyone(board, factory, award, palu):
    reader, newcomer = factory.member(palu), factory.member(palu)
    award(reader, 5)
    body = board(newcomer)
    assert body["me"]["rank"] == 2
    assert body["me"]["points"] == 0
    assert body["total_ranked"] == 1


def test_reading_logs_reach_every_period_and_deleting_takes_them_back(client, board, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    body = {"book": {"title": "Laskar Pelangi", "author": "Andrea Hirata"}, "pages": 30}
    keep = client.post("/v1/reading-logs", json=body, headers=h)
    gone = client.post("/v1/reading-logs", json={**body, "pages": 12}, headers=h)
    assert keep.status_code == gone.status_code == 201
    total = gone.json()["totals"]["total"]
    for period in ("week", "month", "all_time"):
        assert board(reader, period=period)["me"]["points"] == total == 42
    assert (
        client.delete(f"/v1/reading-logs/{gone.json()['log']['id']}", headers=h).status_code == 204
    )
    for period in ("week", "month", "all_time"):
        assert board(reader, period=period)["me"]["points"] == 30


def test_week_and_month_follow_the_library_time_zone(client, board, factory, clock, palu, semarang):
    """A log on the last local day of a week counts in that week, in WITA and in WIB."""
    readers = {}
    # Sunday 22 November 2026, 15:30 UTC: 23:30 in Palu (WITA), 22:30 in Semarang (WIB).
    clock.set(datetime(2026, 11, 22, 15, 30, tzinfo=UTC))
    for lib in (palu, semarang):
        readers[lib.slug] = factory.member(lib)
        r = client.post(
            "/v1/reading-logs",
            json={"book": {"title": "Ronggeng Dukuh Paruk"}, "pages": 25},
            headers=factory.headers(readers[lib.slug]),
        )
        assert r.json()["log"]["read_on"] == "2026-11-22"
    # 16:30 UTC: Monday 00:30 in Palu (a new week), still Sunday 23:30 in Semarang.
    clock.set(datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    palu_week = board(readers["palu"], period="week")
    assert (palu_week["starts_on"], palu_week["ends_on"]) == ("2026-11-23", "2026-11-29")
    assert palu_week["entries"] == []
    assert palu_week["me"]["points"] == 0
    semarang_week = board(readers["semarang"], period="week")
    assert (semarang_week["starts_on"], semarang_week["ends_on"]) == ("2026-11-16", "2026-11-22")
    assert ranks(semarang_week) == [(1, readers["semarang"].id, 25)]
    # Points dated Sunday but logged on Monday still belong to Sunday's week.
    late = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Saman"}, "pages": 7, "read_on": "2026-11-22"},
        headers=factory.headers(readers["palu"]),
    )
    assert late.status_code == 201, late.text
    assert board(readers["palu"], period="week")["entries"] == []
    assert board(readers["palu"], period="month")["me"]["points"] == 32
    clock.set(datetime(2026, 11, 22, 15, 30, tzinfo=UTC))
    assert board(readers["palu"], period="week")["me"]["points"] == 32


def test_month_boundary_in_local_time(board, factory, award, clock, palu, semarang):
    # Monday 30 November 2026, 16:30 UTC: 1 December in Palu, still 30 November in Semarang.
    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    p, s = factory.member(palu), factory.member(semarang)
    award(p, 10, day=date(2026, 11, 30))
    award(s, 10, day=date(2026, 11, 30))
    december = board(p, period="month")
    assert (december["starts_on"], december["ends_on"]) == ("2026-12-01", "2026-12-31")
    assert december["entries"] == []
    november = board(s, period="month")
    assert (november["starts_on"], november["ends_on"]) == ("2026-11-01", "2026-11-30")
    assert ranks(november) == [(1, s.id, 10)]
    assert board(p, period="all_time")["me"]["points"] == 10


def test_age_group_filter(board, factory, award, palu):
    parent = factory.member(palu, age=40)
    kid = factory.child(parent, age=9, nickname="Kancil")
    teen = factory.member(palu, age=15)
    award(parent, 30)
    award(kid, 20)
    award(teen, 10)
    kids = board(parent, age_group="kids")
    assert ranks(kids) == [(1, kid.id, 20)]
    assert kids["me"] is None  # an adult is not on the kids' board
    assert kids["total_ranked"] == 1
    teens = board(teen, age_group="teens")
    assert ranks(teens) == [(1, teen.id, 10)]
    assert teens["me"]["rank"] == 1
    adults = board(parent, age_group="adults")
    assert ranks(adults) == [(1, parent.id, 30)]
    assert ranks(board(parent)) == [(1, parent.id, 30), (2, kid.id, 20), (3, teen.id, 10)]


def test_school_scope(board, client, factory, award, palu):
    confirmed = factory.clock.now()
    a = factory.member(palu, school="SMP Negeri 1 Palu", school_confirmed_at=confirmed)
    b = factory.member(palu, school="SMP Negeri 1 Palu", school_confirmed_at=confirmed)
    c = factory.member(palu, school="SMP Negeri 2 Palu")
    staff = factory.staff(palu)
    for m, points in ((a, 5), (b, 15), (c, 25)):
        award(m, points)
    own = board(a, scope="school")
    assert own["id"] is None
    assert ranks(own) == [(1, b.id, 15), (2, a.id, 5)]
    assert own["me"]["rank"] == 2
    other = board(staff, scope="school", id="SMP Negeri 2 Palu")
    assert ranks(other) == [(1, c.id, 25)]
    assert other["me"] is None
    r = client.get(
        "/v1/leaderboards",
        params={"scope": "school", "id": "SMP Negeri 2 Palu"},
        headers=factory.headers(a),
    )
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    no_school = factory.member(palu)
    r = client.get(
        "/v1/leaderboards", params={"scope": "school"}, headers=factory.headers(no_school)
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM


def test_changing_school_moves_the_member(board, client, factory, award, palu):
    a = factory.member(palu, school="SD Inpres 1", school_confirmed_at=factory.clock.now())
    b = factory.member(palu, school="SD Inpres 2", school_confirmed_at=factory.clock.now())
    award(a, 8)
    award(b, 9)
    r = client.patch("/v1/me", json={"school": "SD Inpres 2"}, headers=factory.headers(a))
    assert r.status_code == 200, r.text
    assert ranks(board(b, scope="school")) == [(1, b.id, 9), (2, a.id, 8)]
    staff = factory.staff(palu)
    assert board(staff, scope="school", id="SD Inpres 1")["entries"] == []


def test_opted_out_members_see_their_rank_and_nobody_else_sees_them(
    board, client, factory, award, palu
):
    top, shy, low = factory.member(palu), factory.member(palu), factory.member(palu)
    for m, points in ((top, 100), (shy, 60), (low, 20)):
        award(m, points)
    r = client.patch("/v1/me", json={"leaderboard_opt_out": True}, headers=factory.headers(shy))
    assert r.status_code == 200
    for params in ({}, {"period": "month"}, {"period": "all_time"}, {"age_group": "adults"}):
        seen = board(low, **params)
        assert ranks(seen) == [(1, top.id, 100), (2, low.id, 20)]
        assert seen["me"]["rank"] == 2  # shy does not count in others' ranks
        assert seen["total_ranked"] == 2
        own = board(shy, **params)
        assert shy.id not in [e["member_id"] for e in own["entries"]]
        assert (own["me"]["rank"], own["me"]["points"]) == (2, 60)
    # Points keep counting while opted out, and show again on opting back in.
    award(shy, 50)
    assert board(shy)["me"] == {
        "rank": 1,
        "member_id": shy.id,
        "name": shy.display_name,
        "points": 110,
        "is_me": True,
    }
    client.patch("/v1/me", json={"leaderboard_opt_out": False}, headers=factory.headers(shy))
    assert ranks(board(low)) == [(1, shy.id, 110), (2, top.id, 100), (3, low.id, 20)]


def _challenge(client, factory, staff, **kw):
    body = {
        "title": "Tantangan Baca November",
        "hashtag": "#TantanganBacaNovember",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "goal": "pages",
        "target": 1000,
        "bonus_points": 50,
    }
    body.update(kw)
    r = client.post("/v1/challenges", json=body, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_challenge_scope(board, client, factory, award, palu, semarang):
    staff = factory.staff(palu)
    ch = _challenge(client, factory, staff)
    joined, outsider = factory.member(palu), factory.member(palu)
    h = factory.headers(joined)
    assert client.post(f"/v1/challenges/{ch['id']}/join", headers=h).status_code == 200
    r = client.post("/v1/reading-logs", json={"book": {"title": "Pulang"}, "pages": 20}, headers=h)
    assert r.status_code == 201, r.text
    award(outsider, 500)  # library points, not challenge points
    award(joined, 7, challenge_ids=[ch["id"]])
    body = board(joined, scope="challenge", id=str(ch["id"]), period="month")
    assert body["period"] == "challenge"
    assert (body["starts_on"], body["ends_on"]) == ("2026-11-01", "2026-11-30")
    # the log's 20 pages doubled in a joined challenge, and the 7 booked for it
    assert body["me"]["points"] == 47
    assert ranks(body) == [(1, joined.id, 47)]
    stranger = board(outsider, scope="challenge", id=str(ch["id"]))
    assert stranger["me"] is None
    # Another library's challenge is not even confirmed to exist.
    other = factory.member(semarang)
    r = client.get(
        "/v1/leaderboards",
        params={"scope": "challenge", "id": str(ch["id"])},
        headers=factory.headers(other),
    )
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM


def test_a_challenge_bonus_row_counts_on_its_board(board, factory, award, palu, client):
    staff = factory.staff(palu)
    ch = _challenge(client, factory, staff)
    a, b = factory.member(palu), factory.member(palu)
    award(a, 30, challenge_ids=[ch["id"]])
    award(b, 20, challenge_ids=[ch["id"]])
    award(b, 50, rule_code="bonus.challenge", challenge_id=ch["id"])
    assert ranks(board(a, scope="challenge", id=str(ch["id"]))) == [
        (1, b.id, 70),
        (2, a.id, 30),
    ]


def _all_dicts(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _all_dicts(v)
    elif isinstance(node, list):
        for v in node:
            yield from _all_dicts(v)


def test_children_appear_by_nickname_only_in_every_scope(board, client, factory, award, palu):
    staff = factory.staff(palu)
    ch = _challenge(client, factory, staff)
    parent = factory.member(palu, email="orangtua@example.org")
    child = factory.child(parent, age=10, nickname="Bintang")  # school "SD Negeri 1"
    classmate = factory.child(parent, age=11, nickname="Pelangi")
    with factory.session() as s:
        from app.models.member import Member

        full_names = [s.get(Member, m.id).display_name for m in (child, classmate)]
        birth_years = [s.get(Member, m.id).birth_year for m in (child, classmate)]
    for m, points in ((child, 12), (classmate, 9), (parent, 3)):
        award(m, points, challenge_ids=[ch["id"]])
    with factory.session() as s:  # staff confirmed the child's school at the desk
        s.get(Member, child.id).school_confirmed_at = factory.clock.now()
        s.commit()
    child_view = {"Authorization": factory.child_headers(parent, child)["Authorization"]}
    views = []
    for who, params in (
        (parent, {}),
        (parent, {"scope": "challenge", "id": str(ch["id"])}),
        (parent, {"age_group": "kids", "period": "all_time"}),
        (staff, {"scope": "school", "id": "SD Negeri 1"}),
        (staff, {"scope": "challenge", "id": str(ch["id"])}),
    ):
        views.append(board(who, **params))
    for params in ({}, {"scope": "school"}, {"scope": "challenge", "id": str(ch["id"])}):
        r = client.get("/v1/leaderboards", params=params, headers=child_view)
        assert r.status_code == 200, r.text
        views.append(r.json())
    for body in views:
        names = {e["member_id"]: e["name"] for e in body["entries"]}
        assert names[child.id] == "Bintang"  # on every one of these boards, by nickname
        text = json.dumps(body)
        assert "orangtua@example.org" not in text
        assert "SD Negeri 1" not in text
        for name in full_names:
            assert name not in text
        for d in _all_dicts(body):
            assert not {"email", "birth_year", "school", "display_name"} & set(d)
            assert not {str(y) for y in birth_years} & {str(v) for v in d.values()}
    assert views[5]["me"]["name"] == "Bintang"  # the child's own view, too
    assert {e["name"] for e in views[6]["entries"]} == {"Bintang", "Pelangi"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"scope": "world"}, 422),
        ({"scope": ""}, 422),
        ({"period": "year"}, 422),
        ({"age_group": "babies"}, 422),
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"limit": "ten"}, 422),
        ({"id": "x" * 81}, 422),
        ({"id": "palu\x00"}, 422),
        ({"scope": "challenge"}, 422),
        ({"scope": "challenge", "id": "abc"}, 422),
        ({"scope": "challenge", "id": "-3"}, 422),
        ({"scope": "challenge", "id": "99999999999999999999"}, 422),
        ({"scope": "challenge", "id": "424242"}, 404),
        ({"id": "semarang"}, 404),
        ({"id": "atlantis"}, 404),
    ],
)
def test_bad_input_is_a_problem(client, factory, palu, semarang, params, status):
    r = client.get("/v1/leaderboards", params=params, headers=factory.headers(factory.member(palu)))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == status


def test_own_library_by_slug_and_admin_any_library(board, client, factory, award, palu, semarang):
    reader = factory.member(semarang)
    award(reader, 4)
    assert board(reader, id="semarang")["id"] == "semarang"
    admin = factory.admin()
    body = board(admin, id="semarang")
    assert ranks(body) == [(1, reader.id, 4)]
    assert body["me"] is None
    r = client.get("/v1/leaderboards", headers=factory.headers(admin))
    assert r.status_code == 422  # an admin has no library of their own


def test_needs_a_token(client):
    r = client.get("/v1/leaderboards")
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM


def test_a_new_nickname_shows_at_once(board, client, factory, award, palu):
    reader, other = factory.member(palu), factory.member(palu)
    award(reader, 10)
    award(other, 5)
    assert board(other)["entries"][0]["name"] == reader.display_name
    r = client.patch("/v1/me", json={"nickname": "SiKutuBuku"}, headers=factory.headers(reader))
    assert r.status_code == 200
    assert [e["name"] for e in board(other)["entries"]] == ["SiKutuBuku", other.display_name]
