"""Prize drawings through the API: eligibility and weighting, entries and a seed fixed before
the draw, one draw, recomputed from the export alone, redraws and pick-ups recorded."""

from __future__ import annotations

import hashlib

import pytest

PROBLEM = "application/problem+json"


def recompute(export: dict) -> list[int]:
    """The draw from the export only, following its documented algorithm (written anew
    here, not imported from the app)."""
    seed = export["drawing"]["seed"]
    assert hashlib.sha256(seed.encode()).hexdigest() == export["drawing"]["seed_sha256"]
    remaining = sorted((e["entry_no"], e["tickets"]) for e in export["entries"])
    picked = []
    r = 0
    wanted = len(export["winners"])
    while remaining and len(picked) < wanted:
        total = sum(t for _, t in remaining)
        k = int(hashlib.sha256(f"{seed}:{r}".encode()).hexdigest(), 16) % total
        for i, (no, t) in enumerate(remaining):
            if k < t:
                picked.append(no)
                del remaining[i]
                break
            k -= t
        r += 1
    return picked


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


def read(client, h, pages):
    r = client.post(
        "/v1/reading-logs", json={"book": {"title": "Laskar Pelangi"}, "pages": pages}, headers=h
    )
    assert r.status_code == 201, r.text


def make(client, factory, staff, **kw):
    body = {"title": "Undian Akhir Bulan", "prize": "Voucher buku", **kw}
    r = client.post("/v1/drawings", json=body, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_weighted_draw_is_fixed_before_made_once_and_recomputed_from_the_export(
    client, factory, palu, staff
):
    readers = [factory.member(palu) for _ in range(8)]
    for i, m in enumerate(readers):
        read(client, factory.headers(m), 20 * (i + 1))  # 20 .. 160 points
    d = make(
        client,
        factory,
        staff,
        min_points=50,
        weighting="per_points",
        points_per_ticket=20,
        winners=3,
    )
    sh = factory.headers(staff)
    assert d["status"] == "open" and d["seed_sha256"] is None
    too_early = client.post(f"/v1/drawings/{d['id']}/draw", headers=sh)
    assert too_early.status_code == 409 and too_early.json()["type"].endswith("not-frozen")

    frozen = client.post(f"/v1/drawings/{d['id']}/freeze", headers=sh).json()
    assert frozen["status"] == "frozen" and frozen["seed"] is None
    assert frozen["entries_count"] == 6 and frozen["tickets_total"] == 3 + 4 + 5 + 6 + 7 + 8
    assert len(frozen["seed_sha256"]) == 64
    mine = client.get(f"/v1/drawings/{d['id']}", headers=factory.headers(readers[7])).json()
    assert mine["my_tickets"] == 8
    before = client.get(f"/v1/drawings/{d['id']}/export", headers=factory.headers(readers[0]))
    assert before.json()["drawing"]["seed"] is None and before.json()["winners"] == []
    again = client.post(f"/v1/drawings/{d['id']}/freeze", headers=sh)
    assert again.status_code == 409

    drawn = client.post(f"/v1/drawings/{d['id']}/draw", headers=sh).json()
    assert drawn["status"] == "drawn" and drawn["seed_sha256"] == frozen["seed_sha256"]
    twice = client.post(f"/v1/drawings/{d['id']}/draw", headers=sh)
    assert twice.status_code == 409 and twice.json()["type"].endswith("already-drawn")

    export = client.get(
        f"/v1/drawings/{d['id']}/export", headers=factory.headers(readers[0])
    ).json()
    assert export["entries"] == before.json()["entries"]  # what was fixed is what was drawn
    assert "SHA-256" in export["algorithm"]
    winners = [w["entry_no"] for w in export["winners"]]
    assert len(set(winners)) == 3 and recompute(export) == winners
    names = {e["entry_no"]: e["name"] for e in export["entries"]}
    assert [w["name"] for w in export["winners"]] == [names[n] for n in winners]

    staff_rows = client.get(f"/v1/drawings/{d['id']}/winners/manage", headers=sh).json()
    won_by = {w["member_id"] for w in staff_rows}
    for m in readers:
        prizes = client.get("/v1/drawings/won", headers=factory.headers(m)).json()
        assert (len(prizes) == 1) == (m.id in won_by)


def test_redraw_only_for_an_unclaimed_winner_and_the_export_still_recomputes(
    client, factory, palu, staff
):
    readers = [factory.member(palu) for _ in range(5)]
    d = make(client, factory, staff, winners=2)
    sh = factory.headers(staff)
    client.post(f"/v1/drawings/{d['id']}/freeze", headers=sh)
    client.post(f"/v1/drawings/{d['id']}/draw", headers=sh)
    first, second = client.get(f"/v1/drawings/{d['id']}/winners/manage", headers=sh).json()

    claimed = client.post(
        f"/v1/drawings/{d['id']}/winners/{first['id']}/claim",
        json={"collected_by": "Ibu pemenang"},
        headers=sh,
    )
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    assert claimed.json()["collected_by"] == "Ibu pemenang"
    nope = client.post(
        f"/v1/drawings/{d['id']}/winners/{first['id']}/redraw",
        json={"reason": "tidak datang"},
        headers=sh,
    )
    assert nope.status_code == 409 and nope.json()["type"].endswith("not-pending")

    r = client.post(
        f"/v1/drawings/{d['id']}/winners/{second['id']}/redraw",
        json={"reason": "Tidak mengambil hadiah dalam 14 hari"},
        headers=sh,
    )
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["prize_no"] == 2 and new["draw_position"] == 3 and new["replaces_position"] == 2
    assert new["member_id"] not in (first["member_id"], second["member_id"])
    rows = client.get(f"/v1/drawings/{d['id']}/winners/manage", headers=sh).json()
    assert [w["status"] for w in rows] == ["claimed", "forfeited", "pending"]
    assert rows[1]["note"] == "Tidak mengambil hadiah dalam 14 hari"
    export = client.get(f"/v1/drawings/{d['id']}/export", headers=sh).json()
    assert recompute(export) == [w["entry_no"] for w in export["winners"]]
    assert (
        client.post(
            f"/v1/drawings/{d['id']}/winners/{first['id']}/claim", json={}, headers=sh
        ).status_code
        == 409
    )
    assert (
        client.post(f"/v1/drawings/{d['id']}/winners/{second['id']}/claim", json={}, headers=sh)
        .json()["type"]
        .endswith("forfeited")
    )
    # every entry left is drawn eventually; then a redraw has nobody to draw
    for _ in range(2):
        pending = next(
            w
            for w in client.get(f"/v1/drawings/{d['id']}/winners/manage", headers=sh).json()
            if w["status"] == "pending"
        )
        assert (
            client.post(
                f"/v1/drawings/{d['id']}/winners/{pending['id']}/redraw",
                json={"reason": "tidak datang"},
                headers=sh,
            ).status_code
            == 200
        )
    pending = next(
        w
        for w in client.get(f"/v1/drawings/{d['id']}/winners/manage", headers=sh).json()
        if w["status"] == "pending"
    )
    last = client.post(
        f"/v1/drawings/{d['id']}/winners/{pending['id']}/redraw",
        json={"reason": "tidak datang"},
        headers=sh,
    )
    assert last.status_code == 409 and last.json()["type"].endswith("no-entries-left")
    assert len(readers) == 5


def test_eligibility_challenge_event_age_and_earlier_winners(client, factory, clock, palu, staff):
    sh = factory.headers(staff)
    ch = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan",
            "hashtag": "#TantanganUndian",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 30,
        },
        headers=sh,
    ).json()
    ev = client.post(
        "/v1/events",
        json={
            "title": "Bazar Buku",
            "kind": "bazaar",
            "place": "Taman Kota",
            "starts_local": "2026-11-17T09:00",
            "ends_local": "2026-11-17T12:00",
        },
        headers=sh,
    ).json()
    guardian = factory.member(palu)
    child = factory.child(guardian, nickname="Kancil")
    done, short, teen = factory.member(palu), factory.member(palu), factory.member(palu, age=15)
    for _m, h in (
        (done, factory.headers(done)),
        (child, factory.child_headers(guardian, child)),
        (teen, factory.headers(teen)),
    ):
        assert client.post(f"/v1/challenges/{ch['id']}/join", headers=h).status_code == 200
        read(client, h, 40)
        assert (
            client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h).status_code
            == 200
        )
    client.post(f"/v1/challenges/{ch['id']}/join", headers=factory.headers(short))
    read(client, factory.headers(short), 10)

    d = make(
        client,
        factory,
        staff,
        challenge_id=ch["id"],
        require_completed_challenge=True,
        event_id=ev["id"],
        age_groups=["kids", "adults"],
        winners=5,
        series="undian-2026",
    )
    frozen = client.post(f"/v1/drawings/{d['id']}/freeze", headers=sh).json()
    assert frozen["entries_count"] == 2  # done and the child: short fell short, teen is 15
    client.post(f"/v1/drawings/{d['id']}/draw", headers=sh)
    names = [
        w["name"]
        for w in client.get(
            f"/v1/drawings/{d['id']}/winners", headers=factory.headers(short)
        ).json()
    ]
    assert sorted(names) == sorted(["Kancil", done.nickname or done.display_name])
    assert "Anak Lengkap" not in str(names)  # a child never by name

    # the same series again leaves both earlier winners out: nobody is eligible
    d2 = make(
        client,
        factory,
        staff,
        challenge_id=ch["id"],
        require_completed_challenge=True,
        age_groups=["kids", "adults"],
        series="undian-2026",
    )
    r = client.post(f"/v1/drawings/{d2['id']}/freeze", headers=sh)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("no-eligible-member")
    d3 = make(
        client,
        factory,
        staff,
        challenge_id=ch["id"],
        require_completed_challenge=True,
        series="undian-lain",
    )
    assert client.post(f"/v1/drawings/{d3['id']}/freeze", headers=sh).json()["entries_count"] == 3


def test_bad_definitions_and_who_may_run_a_drawing(client, factory, palu, staff):
    sh = factory.headers(staff)
    for change in (
        {"winners": 0},
        {"starts_on": "2026-11-01"},
        {"starts_on": "2026-11-30", "ends_on": "2026-11-01"},
        {"require_completed_challenge": True},
        {"weighting": "lottery"},
        {"series": "Not A Slug"},
    ):
        r = client.post("/v1/drawings", json={"title": "Undian", **change}, headers=sh)
        assert r.status_code == 422, change
    other = factory.staff(factory.library("semarang"))
    foreign = client.post(
        "/v1/challenges",
        json={
            "title": "T",
            "hashtag": "#TSemarang",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 30,
        },
        headers=factory.headers(other),
    ).json()
    r = client.post(
        "/v1/drawings", json={"title": "Undian", "challenge_id": foreign["id"]}, headers=sh
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "challenge_id"
    d = make(client, factory, staff)
    member = factory.headers(factory.member(palu))
    assert client.post(f"/v1/drawings/{d['id']}/freeze", headers=member).status_code == 403
    assert (
        client.post(f"/v1/drawings/{d['id']}/draw", headers=factory.headers(other)).status_code
        == 404
    )
    assert client.get(f"/v1/drawings/{d['id']}/export", headers=member).status_code == 409
    assert client.get("/v1/drawings", headers=member).json()["items"][0]["id"] == d["id"]
