"""Events through the API: create, register with capacity and waitlist, check in once by
code or QR link inside the window, points through the ledger, badges once, staff figures."""

from __future__ import annotations

import io

import pytest
import segno
from sqlalchemy import func, select

from app.cli import main as cli
from app.models.badge import BadgeAward
from app.models.events import EventAttendance
from app.models.reading import LedgerEntry
from app.scoring.programmes import CODE_ALPHABET, PROGRAMME_EVENT

PROBLEM = "application/problem+json"
# conftest's START is 2026-11-17 02:00 UTC: 10:00 in Palu (Asia/Makassar, UTC+8).


def event_body(**kw):
    body = {
        "title": "Bedah Buku Laskar Pelangi",
        "description": "Diskusi bersama komunitas baca.",
        "kind": "discussion",
        "place": "Aula Perpustakaan Kota Palu",
        "starts_local": "2026-11-17T14:00",
        "ends_local": "2026-11-17T16:00",
        "grace_minutes": 30,
        "points": 25,
    }
    body.update(kw)
    return body


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


def create(client, factory, staff, **kw):
    r = client.post("/v1/events", json=event_body(**kw), headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def points_of(client, h):
    return client.get("/v1/me/points", headers=h).json()


def test_the_whole_loop_staff_creates_member_registers_checks_in_once(
    client, factory, clock, palu, staff
):
    ev = create(client, factory, staff)
    assert len(ev["code"]) == 8 and set(ev["code"]) <= set(CODE_ALPHABET)
    assert ev["starts_at"] == "2026-11-17T06:00:00Z"  # 14:00 in Palu
    assert ev["starts_local"] == "2026-11-17T14:00:00"
    assert ev["check_in_url"].endswith(f"/e/{ev['code']}")
    reader = factory.member(palu)
    h = factory.headers(reader)

    listed = client.get("/v1/events", headers=h).json()["items"]
    assert [e["id"] for e in listed] == [ev["id"]]
    assert "code" not in listed[0]  # the secret stays with staff

    r = client.post(f"/v1/events/{ev['id']}/registration", headers=h)
    assert r.status_code == 200 and r.json()["me"]["status"] == "registered"

    # Before the window (opens 13:30 local): refused with the reason, nothing booked.
    typed = ev["code"].lower()[:4] + " " + ev["code"].lower()[4:]
    r = client.post("/v1/events/check-in", json={"code": typed}, headers=h)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("check-in-not-open")
    assert "13:30" in r.json()["detail"]
    assert points_of(client, h)["total"] == 0

    clock.advance(hours=4, minutes=5)  # 14:05 local
    h = factory.headers(reader)
    r = client.post("/v1/events/check-in", json={"code": typed}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(p["rule_code"], p["amount"]) for p in body["points"]] == [(PROGRAMME_EVENT, 25)]
    assert body["totals"]["total"] == 25

    again = client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h)
    assert again.status_code == 409 and again.json()["type"].endswith("already-checked-in")
    summary = points_of(client, h)
    assert summary["total"] == 25 and summary["by_rule"] == {PROGRAMME_EVENT: 25}
    assert summary["bonus"] == 25

    mine = client.get(f"/v1/events/{ev['id']}", headers=h).json()
    assert mine["attended_at"] is not None and mine["me"]["attended"] is True

    fig = client.get(f"/v1/events/{ev['id']}/figures", headers=factory.headers(staff)).json()
    assert fig["registered"] == 1 and fig["attended"] == 1
    assert fig["attended_registered"] == 1 and fig["walk_ins"] == 0 and fig["no_shows"] == 0
    assert fig["points_awarded"] == 25


def test_check_in_closes_after_the_end_plus_grace(client, factory, clock, palu, staff):
    ev = create(client, factory, staff)
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.advance(hours=6, minutes=29)  # 16:29 local: inside the grace
    h = factory.headers(reader)
    early_leaver = factory.member(palu)
    ok = client.post(
        "/v1/events/check-in", json={"code": ev["code"]}, headers=factory.headers(early_leaver)
    )
    assert ok.status_code == 200
    clock.advance(minutes=2)  # 16:31 local
    h = factory.headers(reader)
    r = client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h)
    assert r.status_code == 409 and r.json()["type"].endswith("check-in-closed")
    assert "16:30" in r.json()["detail"]
    assert points_of(client, h)["total"] == 0


def test_capacity_and_a_waitlist_that_moves_up_on_cancel(client, factory, palu, staff):
    ev = create(client, factory, staff, capacity=2)
    a, b, c, d = (factory.member(palu) for _ in range(4))
    ha, hb, hc, hd = (factory.headers(m) for m in (a, b, c, d))
    url = f"/v1/events/{ev['id']}/registration"
    assert client.post(url, headers=ha).json()["me"]["status"] == "registered"
    assert client.post(url, headers=hb).json()["me"]["status"] == "registered"
    third = client.post(url, headers=hc).json()
    assert third["me"] == {**third["me"], "status": "waitlisted", "position": 1}
    assert third["seats_left"] == 0 and third["waitlisted"] == 1
    assert client.post(url, headers=hd).json()["me"]["position"] == 2
    # asking again changes nothing
    assert client.post(url, headers=hc).json()["me"]["position"] == 1

    assert client.delete(url, headers=ha).status_code == 204
    moved = client.get(f"/v1/events/{ev['id']}", headers=hc).json()
    assert moved["me"]["status"] == "registered" and moved["me"]["promoted_at"] is not None
    assert client.get(f"/v1/events/{ev['id']}", headers=hd).json()["me"]["position"] == 1

    # a cancelled member queues again at the back
    assert client.post(url, headers=ha).json()["me"]["position"] == 2
    assert client.delete(url, headers=hd).status_code == 204
    assert client.get(f"/v1/events/{ev['id']}", headers=ha).json()["me"]["position"] == 1
    assert client.delete(url, headers=hd).status_code == 404

    fig = client.get(f"/v1/events/{ev['id']}/figures", headers=factory.headers(staff)).json()
    assert (fig["registered"], fig["waitlisted"], fig["cancelled"]) == (2, 1, 1)
    rows = client.get(
        f"/v1/events/{ev['id']}/registrations", headers=factory.headers(staff)
    ).json()["items"]
    assert [r["status"] for r in rows] == ["waitlisted", "registered", "registered", "cancelled"]


def test_wrong_codes_are_rate_limited_per_member(client, factory, clock, palu, staff):
    ev = create(client, factory, staff)
    other_lib = factory.library("semarang")
    foreign = create(client, factory, factory.staff(other_lib), place="Balai Kota")
    clock.advance(hours=4, minutes=5)
    reader = factory.member(palu)
    h = factory.headers(reader)
    wrong = "ZZZZ2222"
    assert wrong not in (ev["code"], foreign["code"])
    # another library's event is no code for this member, and counts as a guess
    r = client.post("/v1/events/check-in", json={"code": foreign["code"]}, headers=h)
    assert r.status_code == 404 and r.json()["type"].endswith("unknown-code")
    for _ in range(9):
        r = client.post("/v1/events/check-in", json={"code": wrong}, headers=h)
        assert r.status_code == 404
    blocked = client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert points_of(client, h)["total"] == 0
    # another member is not held back by this one's guesses
    ok = client.post(
        "/v1/events/check-in",
        json={"code": ev["code"]},
        headers=factory.headers(factory.member(palu)),
    )
    assert ok.status_code == 200
    clock.advance(minutes=16)
    h = factory.headers(reader)
    assert (
        client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h).status_code == 200
    )


def test_malformed_codes_name_the_field_and_hint_at_lookalikes(client, factory, palu, staff):
    h = factory.headers(factory.member(palu))
    r = client.post("/v1/events/check-in", json={"code": "AB0O1LIX"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    assert "no 0, O, 1" in r.json()["detail"]
    assert client.post("/v1/events/check-in", json={}, headers=h).status_code == 422


def test_attending_earns_the_event_badge_and_an_events_badge_once(
    client, factory, clock, palu, staff
):
    sh = factory.headers(staff)
    own = client.post(
        "/v1/badges",
        json={
            "name": "Tamu Bedah Buku",
            "criteria": [{"metric": "events_attended", "target": 1}],
            "bonus_points": 5,
        },
        headers=sh,
    ).json()
    client.post(
        "/v1/badges",
        json={
            "name": "Rajin Datang",
            "criteria": [{"metric": "events_attended", "target": 2}],
            "bonus_points": 10,
        },
        headers=sh,
    ).json()
    first = create(client, factory, staff, badge_id=own["id"])
    second = create(client, factory, staff, title="Lokakarya Menulis", kind="workshop")
    reader = factory.member(palu)
    h = factory.headers(reader)
    locked = client.get("/v1/me/badges", headers=h).json()["locked"]
    labels = {b["badge"]["name"]: b["progress"][0]["label"] for b in locked}
    assert labels["Rajin Datang"] == "0 dari 2 acara dihadiri"
    clock.advance(hours=4, minutes=5)
    h = factory.headers(reader)
    one = client.post("/v1/events/check-in", json={"code": first["code"]}, headers=h).json()
    assert [b["name"] for b in one["badges_earned"]] == ["Tamu Bedah Buku"]
    two = client.post("/v1/events/check-in", json={"code": second["code"]}, headers=h).json()
    assert [b["name"] for b in two["badges_earned"]] == ["Rajin Datang"]
    assert points_of(client, h)["total"] == 25 + 5 + 25 + 10
    with factory.session() as s:
        awards = s.execute(
            select(func.count()).where(BadgeAward.member_id == reader.id)
        ).scalar_one()
    assert awards == 2
    # a reading log afterwards earns no badge twice and revokes nothing
    r = client.post(
        "/v1/reading-logs", json={"book": {"title": "Laskar Pelangi"}, "pages": 10}, headers=h
    )
    assert r.status_code == 201 and r.json()["badges_earned"] == []
    earned = {b["badge"]["name"] for b in client.get("/v1/me/badges", headers=h).json()["earned"]}
    assert earned == {"Tamu Bedah Buku", "Rajin Datang"}


def test_event_points_survive_rescore_and_ledger_verify(
    client, factory, clock, palu, staff, monkeypatch
):
    ev = create(client, factory, staff)
    reader = factory.member(palu)
    h = factory.headers(reader)
    clock.advance(hours=4, minutes=5)
    h = factory.headers(reader)
    assert (
        client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h).status_code == 200
    )
    log = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Pulang"}, "pages": 30, "finished": True},
        headers=h,
    )
    assert log.status_code == 201
    total = points_of(client, h)["total"]
    assert total == 25 + 30 + 20
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    with factory.session() as s:
        before = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    assert cli(["rescore", "--library", "palu"]) == 0
    assert cli(["ledger", "verify"]) == 0
    get_settings.cache_clear()
    with factory.session() as s:
        after = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        attendance = s.execute(select(EventAttendance)).scalar_one()
        row = s.get(LedgerEntry, attendance.ledger_entry_id)
    assert after == before and row is not None and row.rule_code == PROGRAMME_EVENT
    assert points_of(client, h)["total"] == total


def test_a_guardian_registers_and_checks_in_a_child(client, factory, clock, palu, staff):
    ev = create(client, factory, staff, age_groups=["kids"])
    guardian = factory.member(palu)
    child = factory.child(guardian, nickname="Kancil")
    ch = factory.child_headers(guardian, child)
    # the event is for children: the guardian themself may not register
    r = client.post(f"/v1/events/{ev['id']}/registration", headers=factory.headers(guardian))
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert client.post(f"/v1/events/{ev['id']}/registration", headers=ch).status_code == 200
    clock.advance(hours=4, minutes=5)
    ch = factory.child_headers(guardian, child)
    r = client.post("/v1/events/check-in", json={"code": ev["code"], "via": "qr"}, headers=ch)
    assert r.status_code == 200 and r.json()["totals"]["total"] == 25
    rows = client.get(
        f"/v1/events/{ev['id']}/registrations", headers=factory.headers(staff)
    ).json()["items"]
    assert rows == [{**rows[0], "name": "Kancil", "is_child": True, "attended": True}]


def test_qr_codes_carry_the_check_in_link_and_are_for_staff(client, factory, palu, staff):
    ev = create(client, factory, staff)
    sh = factory.headers(staff)
    png = client.get(f"/v1/events/{ev['id']}/qr.png", headers=sh)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(f"/v1/events/{ev['id']}/qr.svg?scale=4", headers=sh)
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    expected = io.BytesIO()
    segno.make(ev["check_in_url"], error="m").save(expected, kind="png", scale=10, border=4)
    assert png.content == expected.getvalue()  # the very link the app opens
    member_h = factory.headers(factory.member(palu))
    assert client.get(f"/v1/events/{ev['id']}/qr.png", headers=member_h).status_code == 403
    assert client.get(f"/v1/events/{ev['id']}/qr.gif", headers=sh).status_code == 422
    page = client.get(f"/e/{ev['code'].lower()}")
    assert page.status_code == 200 and ev["code"] in page.text
    assert client.get("/e/nonsense").status_code == 404


def test_bad_input_and_other_libraries(client, factory, palu, staff):
    sh = factory.headers(staff)
    cases = [
        ({"kind": "online_live", "place": None}, "link"),
        ({"ends_local": "2026-11-17T13:00"}, "ends_local"),
        ({"starts_local": "2026-11-17T14:00+08:00"}, "offset"),
        ({"capacity": 0}, "capacity"),
        ({"kind": "karaoke"}, "kind"),
        ({"link": "http://insecure.example"}, "link"),
    ]
    for change, _why in cases:
        r = client.post("/v1/events", json=event_body(**change), headers=sh)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"] == PROBLEM
    past = client.post(
        "/v1/events",
        json=event_body(starts_local="2026-11-16T14:00", ends_local="2026-11-16T16:00"),
        headers=sh,
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "ends_local"
    foreign_badge = client.post(
        "/v1/badges",
        json={"name": "Lain", "criteria": [{"metric": "logs", "target": 1}]},
        headers=factory.headers(factory.staff(factory.library("semarang"))),
    ).json()
    r = client.post("/v1/events", json=event_body(badge_id=foreign_badge["id"]), headers=sh)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "badge_id"

    reader = factory.member(palu)
    assert (
        client.post("/v1/events", json=event_body(), headers=factory.headers(reader)).status_code
        == 403
    )
    ev = create(client, factory, staff)
    other = factory.member(factory.library("kotamobagu"))
    oh = factory.headers(other)
    assert client.get(f"/v1/events/{ev['id']}", headers=oh).status_code == 404
    assert client.post(f"/v1/events/{ev['id']}/registration", headers=oh).status_code == 404
    other_staff = factory.headers(factory.staff(factory.library("probolinggo")))
    assert client.get(f"/v1/events/{ev['id']}/figures", headers=other_staff).status_code == 404
    assert (
        client.get(f"/v1/events/{ev['id']}/manage", headers=factory.headers(reader)).status_code
        == 403
    )
    assert client.get("/v1/events/0", headers=oh).status_code == 422
    assert client.get("/v1/events?cursor=bad", headers=oh).status_code == 400


def test_a_cancelled_event_takes_no_registrations_or_check_ins(client, factory, clock, palu, staff):
    ev = create(client, factory, staff)
    member = factory.member(palu)
    h = factory.headers(member)
    r = client.post(f"/v1/events/{ev['id']}/cancel", headers=factory.headers(staff))
    assert r.status_code == 200 and r.json()["cancelled"] is True
    assert [e["cancelled"] for e in client.get("/v1/events", headers=h).json()["items"]] == [True]
    r = client.post(f"/v1/events/{ev['id']}/registration", headers=h)
    assert r.status_code == 409 and r.json()["type"].endswith("event-cancelled")
    clock.advance(hours=4, minutes=5)
    h = factory.headers(member)
    r = client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h)
    assert r.status_code == 404


def test_lists_upcoming_soonest_first_and_past_latest_first(client, factory, clock, palu, staff):
    later = create(
        client, factory, staff, starts_local="2026-11-20T09:00", ends_local="2026-11-20T11:00"
    )
    soon = create(client, factory, staff)
    third = create(
        client, factory, staff, starts_local="2026-11-18T09:00", ends_local="2026-11-18T11:00"
    )
    member = factory.member(palu)
    h = factory.headers(member)
    first = client.get("/v1/events?limit=2", headers=h).json()
    assert [e["id"] for e in first["items"]] == [soon["id"], third["id"]]
    rest = client.get(f"/v1/events?limit=2&cursor={first['next_cursor']}", headers=h).json()
    assert [e["id"] for e in rest["items"]] == [later["id"]] and rest["next_cursor"] is None
    clock.advance(days=2)
    h = factory.headers(member)
    past = client.get("/v1/events?status=past", headers=h).json()["items"]
    assert [e["id"] for e in past] == [third["id"], soon["id"]]


def test_staff_edit_an_event_more_places_move_the_waitlist_up(client, factory, clock, palu, staff):
    ev = create(client, factory, staff, capacity=1)
    sh = factory.headers(staff)
    a, b, c = (factory.member(palu) for _ in range(3))
    url = f"/v1/events/{ev['id']}"
    for m in (a, b, c):
        client.post(f"{url}/registration", headers=factory.headers(m))
    r = client.patch(url, json={"capacity": 2, "title": "Bedah Buku (ruang besar)"}, headers=sh)
    assert r.status_code == 200, r.text
    assert (r.json()["registered"], r.json()["waitlisted"]) == (2, 1)
    assert r.json()["title"] == "Bedah Buku (ruang besar)"
    assert client.get(url, headers=factory.headers(b)).json()["me"]["status"] == "registered"
    assert client.get(url, headers=factory.headers(c)).json()["me"]["position"] == 1
    lower = client.patch(url, json={"capacity": 1}, headers=sh)
    assert lower.status_code == 409 and lower.json()["type"].endswith("places-held")
    unlimited = client.patch(url, json={"capacity": None}, headers=sh).json()
    assert (unlimited["registered"], unlimited["waitlisted"], unlimited["seats_left"]) == (
        3,
        0,
        None,
    )
    moved = client.patch(url, json={"starts_local": "2026-11-17T15:00"}, headers=sh).json()
    assert moved["starts_at"] == "2026-11-17T07:00:00Z"
    bad = client.patch(url, json={"ends_local": "2026-11-17T14:00"}, headers=sh)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ends_local"
    assert client.patch(url, json={"title": None}, headers=sh).status_code == 422
    assert client.patch(url, json={"place": None}, headers=sh).status_code == 422
    clock.advance(hours=5, minutes=5)  # 15:05 local
    h = factory.headers(a)
    assert (
        client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h).status_code == 200
    )
    sh = factory.headers(staff)
    late = client.patch(url, json={"points": 100}, headers=sh)
    assert late.status_code == 409 and late.json()["type"].endswith("attended")
    member_try = client.patch(url, json={"title": "x"}, headers=factory.headers(b))
    assert member_try.status_code == 403


def test_local_times_out_of_any_sensible_year_are_refused(client, factory, palu, staff):
    sh = factory.headers(staff)
    for change in (
        {"starts_local": "0001-01-01T00:00", "ends_local": "2026-11-17T16:00"},
        {"starts_local": "2026-11-17T14:00", "ends_local": "9999-12-31T23:59"},
    ):
        r = client.post("/v1/events", json=event_body(**change), headers=sh)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    ev = create(client, factory, staff)
    r = client.patch(f"/v1/events/{ev['id']}", json={"ends_local": "9999-12-31T23:59"}, headers=sh)
    assert r.status_code == 422
    r = client.post(
        "/v1/polls",
        json={
            "question": "?",
            "options": [{"text": "a"}, {"text": "b"}],
            "closes_local": "0001-01-01T00:00",
        },
        headers=sh,
    )
    assert r.status_code == 422


def test_an_edit_keeps_an_event_within_fourteen_days(client, factory, palu, staff):
    ev = create(client, factory, staff)
    r = client.patch(
        f"/v1/events/{ev['id']}",
        json={"ends_local": "2026-12-31T16:00"},
        headers=factory.headers(staff),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_local"
