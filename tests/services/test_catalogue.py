"""The catalogue kept in memory: whoever changes badges or challenges, the next log sees it."""

from __future__ import annotations

from sqlalchemy import select, text

from app.models.library import Library
from tests.factories import november_challenge


def log(client, h, pages=20, **kw):
    body = {"book": {"title": "Laskar Pelangi", "author": "Andrea Hirata"}, "pages": pages}
    body.update(kw)
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def version(factory, lib):
    with factory.session() as s:
        return s.execute(select(Library.catalogue_version).where(Library.id == lib.id)).scalar_one()


def test_a_badge_made_after_logs_began_is_earned_on_the_next_log(client, factory):
    lib = factory.library("palu")
    reader = factory.member(lib)
    h = factory.headers(reader)
    assert log(client, h)["badges_earned"] == []  # the (empty) catalogue is now in memory
    made = client.post(
        "/v1/badges",
        json={"name": "Dua Kali", "criteria": [{"metric": "logs", "target": 2}]},
        headers=factory.headers(factory.staff(lib)),
    )
    assert made.status_code == 201, made.text
    assert [b["name"] for b in log(client, h)["badges_earned"]] == ["Dua Kali"]
    assert log(client, h)["badges_earned"] == []  # held now: never twice


def test_changes_made_straight_in_the_database_are_seen_too(client, factory):
    lib = factory.library("semarang")
    reader = factory.member(lib)
    h = factory.headers(reader)
    log(client, h)
    before = version(factory, lib)
    with factory.session() as s:
        s.execute(
            text(
                "INSERT INTO badge (library_id, name, description, icon, color, criteria,"
                " bonus_points, created_at) VALUES (:lib, 'Dua Kali', '', 'medal', '#F2A900',"
                ' \'[{"metric": "logs", "target": 2}]\', 5, :now)'
            ),
            {"lib": lib.id, "now": factory.clock.now()},
        )
        s.commit()
    assert version(factory, lib) != before
    second = log(client, h)
    assert [b["name"] for b in second["badges_earned"]] == ["Dua Kali"]
    assert any(a["rule_code"] == "bonus.badge" and a["amount"] == 5 for a in second["awards"])


def test_a_challenge_unpublished_by_hand_stops_counting(client, factory):
    lib = factory.library("palu")
    staff = factory.staff(lib)
    made = client.post(
        "/v1/challenges",
        json=november_challenge(),
        headers=factory.headers(staff),
    )
    assert made.status_code == 201, made.text
    reader = factory.member(lib)
    h = factory.headers(reader)
    tagged = log(client, h, hashtags=["#TantanganBacaNovember"])
    assert [c["challenge_id"] for c in tagged["challenges"]] == [made.json()["id"]]
    assert tagged["log"]["points"] == 40  # doubled inside the challenge
    with factory.session() as s:
        s.execute(text("UPDATE challenge SET published = false WHERE id = :id"), made.json())
        s.commit()
    after = log(client, h, hashtags=["#TantanganBacaNovember"])
    assert after["challenges"] == []
    assert after["log"]["points"] == 20


def test_every_write_to_badges_or_challenges_moves_the_version(factory):
    lib = factory.library("palu")
    other = factory.library("semarang")
    seen = [version(factory, lib)]
    other_start = version(factory, other)
    assert seen == [0]  # never had a catalogue
    params = {"lib": lib.id, "now": factory.clock.now()}
    for sql in (
        "INSERT INTO badge (library_id, name, description, icon, color, criteria,"
        " bonus_points, created_at) VALUES (:lib, 'B', '', 'medal', '#F2A900', '[]', 0, :now)",
        "UPDATE badge SET name = 'C' WHERE library_id = :lib",
        "DELETE FROM badge WHERE library_id = :lib",
    ):
        with factory.session() as s:
            s.execute(text(sql), params)
            s.commit()
        seen.append(version(factory, lib))
        assert seen[-1] != seen[-2], sql
    assert version(factory, other) == other_start
