"""Taking data back: a guardian exports and deletes a child's profile, a member exports
and deletes their own account; afterwards nothing personal is left in any table (nor in
Redis), every sign-in has ended, shares answer 410, and everyone else's points, the
library's figures and `ledger verify` are as before. Boards run on the database and on
Redis (the fixtures of tests/leaderboards)."""

# ruff: noqa: F811  (fixtures imported from other test modules are redefined as arguments)

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy import JSON, String, Text, cast, func, inspect, select, table
from sqlalchemy import column as sa_column

from app.core.db import transaction
from app.models.console import ConsoleSession
from app.models.member import Member
from app.services.badges import ensure_demo_badges
from tests.console.helpers import sign_in
from tests.factories import CONSENT, PASSWORD, november_challenge
from tests.leaderboards.conftest import (  # noqa: F401  (fixtures)
    REDIS_URL,
    app,
    client,
    index,
    mode,
    redis_index,
)
from tests.services.test_verify import verify  # noqa: F401  (fixture)

NAME, NICK, SCHOOL = "Rina Wulandari", "Bintang", "SD Negeri 7 Palu"
SUMMARY = {"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp"]}


def _log(client, headers, **kw) -> dict[str, Any]:
    body = {"book": {"title": "Gadis Kretek", "genre": "novel"}, "pages": 30, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _found_anywhere(factory, needles: list[str]) -> list[str]:
    """Every text (and JSON, as text) column of every table searched for each needle."""
    hits = []
    with factory.session() as s:
        insp = inspect(s.get_bind())
        for name in insp.get_table_names():
            for col in insp.get_columns(name):
                if not isinstance(col["type"], String | Text | JSON):
                    continue
                for needle in needles:
                    c = sa_column(col["name"])
                    text_of = cast(c, Text()) if isinstance(col["type"], JSON) else c
                    n = s.execute(
                        select(func.count())
                        .select_from(table(name, c))
                        .where(func.lower(text_of).contains(needle.lower()))
                    ).scalar_one()
                    if n:
                        hits.append(f"{name}.{col['name']}: {needle}")
    return hits


def _redis_mentions(index, needles: list[str], member_id: int) -> list[str]:
    if index is None:
        return []
    r = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    hits = []
    for key in r.scan_iter(f"{index.namespace}*"):
        kind = r.type(key)
        if kind == "hash":
            values = " ".join(f"{k} {v}" for k, v in r.hgetall(key).items())
            hits += [f"{key}: {n}" for n in needles if n.lower() in values.lower()]
        elif kind == "zset" and r.zscore(key, str(member_id)) is not None:
            hits.append(f"{key}: member {member_id}")
    return hits


def _on_any_board(client, headers, member_id: int) -> bool:
    for params in (
        {"period": "all_time"},
        {"period": "all_time", "age_group": "kids"},
        {"period": "month"},
        {"period": "all_time", "scope": "school"},
    ):
        r = client.get("/v1/leaderboards", params=params, headers=headers)
        if r.status_code == 200 and member_id in [e["member_id"] for e in r.json()["entries"]]:
            return True
    return False


def test_a_guardian_exports_everything_and_a_deletion_leaves_nothing_personal(
    client, factory, index, verify
):
    palu = factory.library("palu")
    guardian = factory.member(palu, email="ibu.rina@example.org", display_name="Ibu Sari")
    other = factory.member(palu, display_name="Dewi Lestari")
    staff = factory.staff(palu)
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(palu), factory.clock.now())
    sh = factory.headers(staff)
    ch = client.post("/v1/challenges", json=november_challenge(target=50), headers=sh)
    assert ch.status_code == 201, ch.text
    gh, oh = factory.headers(guardian), factory.headers(other)
    made = client.post(
        "/v1/me/children",
        json={
            "display_name": NAME,
            "nickname": NICK,
            "birth_year": 2018,
            "school": SCHOOL,
            "consent": CONSENT,
        },
        headers=gh,
    )
    assert made.status_code == 201, made.text
    child = factory.session().get(Member, made.json()["id"])
    as_child = factory.child_headers(guardian, child)
    _log(
        client,
        as_child,
        note=f"{NAME} suka buku ini",
        finished=True,
        hashtags=["#TantanganBacaNovember"],
    )
    _log(client, oh, pages=50)
    share = client.post("/v1/share", json=SUMMARY, headers=as_child)
    assert share.status_code == 201, share.text
    code = share.json()["id"]
    assert client.get(f"/s/{code}").status_code == 200  # one view
    assert client.get(f"/v1/share/{code}/image?format=og").status_code == 200
    assert _on_any_board(client, gh, child.id)
    other_points = client.get("/v1/me/points", headers=oh).json()
    figures = client.get("/v1/analytics/summary", headers=sh).json()

    export = client.get(f"/v1/me/children/{child.id}/export", headers=gh)
    assert export.status_code == 200, export.text
    assert export.headers["content-disposition"].startswith("attachment")
    doc = export.json()
    assert doc["profile"]["display_name"] == NAME
    assert doc["profile"]["nickname"] == NICK
    assert doc["profile"]["school"] == SCHOOL
    assert doc["consent"][0]["wording"] == client.get("/v1/consent/child").json()["wording"]["id"]
    assert doc["consent"][0]["given_at"]
    data = doc["data"]
    assert [log["note"] for log in data["reading_log"]] == [f"{NAME} suka buku ini"]
    assert sum(row["amount"] for row in data["ledger_entry"]) > 0
    assert data["badge_award"] and doc["badges"][0]["name"]
    assert doc["challenges"][0]["id"] == ch.json()["id"] and data["challenge_participant"]
    assert [s["code"] for s in data["share"]] == [code]
    views = data["share_event"] + data["share_tally"]
    assert sum(e.get("count", 1) for e in views if e["kind"] == "view") == 1
    assert not any(col.endswith("_hash") for rows in data.values() for r in rows for col in r)
    # Nobody else can export or delete this child; the child cannot delete itself.
    assert client.get(f"/v1/me/children/{child.id}/export", headers=oh).status_code == 404
    assert client.delete(f"/v1/me/children/{child.id}", headers=oh).status_code == 404
    assert client.delete(f"/v1/me/children/{child.id}", headers=as_child).status_code == 403
    assert (
        client.post("/v1/me/deletion", json={"password": PASSWORD}, headers=as_child).status_code
        == 403
    )

    assert client.delete(f"/v1/me/children/{child.id}", headers=gh).status_code == 204
    assert client.get("/v1/me", headers=as_child).status_code == 401  # at once
    assert client.get(f"/s/{code}").status_code == 410
    assert client.get(f"/v1/share/{code}/image?format=og").status_code == 410
    assert client.get(f"/v1/me/children/{child.id}/export", headers=gh).status_code == 404
    assert client.get("/v1/me/children", headers=gh).json() == []
    assert not _on_any_board(client, gh, child.id)
    assert _found_anywhere(factory, [NAME, NICK]) == []
    with factory.session() as s:
        erased = s.get(Member, child.id)
        assert erased is not None and erased.school is None and erased.deleted_at is not None
    assert _redis_mentions(index, [NAME, NICK], child.id) == []
    assert client.get("/v1/me/points", headers=oh).json() == other_points
    after = client.get("/v1/analytics/summary", headers=sh).json()
    assert after["members"] == figures["members"]
    assert after["active_readers"] == figures["active_readers"]
    code_, out = verify()
    assert code_ == 0, out
    # The nickname is free again.
    again = client.post(
        "/v1/me/children",
        json={
            "display_name": "Anak Baru",
            "nickname": NICK,
            "birth_year": 2019,
            "consent": CONSENT,
        },
        headers=gh,
    )
    assert again.status_code == 201, again.text


def test_a_member_exports_and_deletes_their_own_account(client, factory, index, verify):
    palu = factory.library("palu")
    reg = client.post(
        "/v1/auth/register",
        json={
            "email": "budi.santoso@example.org",
            "password": PASSWORD,
            "display_name": "Budi Santoso",
            "nickname": "Rajawali",
            "birth_year": 1990,
            "library": palu.slug,
        },
    )
    assert reg.status_code == 201, reg.text
    tokens = reg.json()
    me = reg.json()["member"]["id"]
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    second = client.post(
        "/v1/auth/token", data={"username": "budi.santoso@example.org", "password": PASSWORD}
    ).json()
    _log(client, h, note="Budi Santoso membaca di kereta")
    code = client.post("/v1/share", json=SUMMARY, headers=h).json()["id"]
    other = factory.member(palu)
    _log(client, factory.headers(other), pages=70)
    other_points = client.get("/v1/me/points", headers=factory.headers(other)).json()

    doc = client.get("/v1/me/export", headers=h).json()
    assert doc["profile"]["email"] == "budi.santoso@example.org"
    assert len(doc["data"]["reading_log"]) == 1 and doc["data"]["auth_session"]

    wrong = client.post("/v1/me/deletion", json={"password": "not-my-password"}, headers=h)
    assert wrong.status_code == 422
    assert client.get("/v1/me", headers=h).status_code == 200  # nothing changed
    assert client.post("/v1/me/deletion", json={}, headers=h).status_code == 422
    assert client.post("/v1/me/deletion", json={"password": PASSWORD}, headers=h).status_code == 204

    assert client.get("/v1/me", headers=h).status_code == 401
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/v1/me", headers=bearer).status_code == 401
    for refresh in (tokens["refresh_token"], second["refresh_token"]):
        r = client.post("/v1/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 401
    signin = client.post(
        "/v1/auth/token", data={"username": "budi.santoso@example.org", "password": PASSWORD}
    )
    assert signin.status_code == 401
    assert client.get(f"/s/{code}").status_code == 410
    assert _found_anywhere(factory, ["Budi Santoso", "Rajawali", "budi.santoso@example.org"]) == []
    assert _redis_mentions(index, ["Budi Santoso", "Rajawali"], me) == []
    assert client.get("/v1/me/points", headers=factory.headers(other)).json() == other_points
    code_, out = verify()
    assert code_ == 0, out
    # The email can be used again, by a new account.
    fresh = client.post(
        "/v1/auth/register",
        json={
            "email": "budi.santoso@example.org",
            "password": PASSWORD,
            "display_name": "Budi Baru",
            "birth_year": 1991,
            "library": palu.slug,
        },
    )
    assert fresh.status_code == 201, fresh.text


def test_a_guardian_deleting_their_account_takes_their_children_and_console_sessions(
    client, factory
):
    palu = factory.library("palu")
    staff = factory.staff(palu)
    child = factory.child(staff, nickname="Merpati")
    sign_in(client, staff.email or "")
    assert client.get("/staff/challenges").status_code == 200
    as_child = factory.child_headers(staff, child)
    r = client.post("/v1/me/deletion", json={"password": PASSWORD}, headers=factory.headers(staff))
    assert r.status_code == 204
    with factory.session() as s:
        assert s.execute(select(func.count()).select_from(ConsoleSession)).scalar_one() == 0
        kid = s.get(Member, child.id)
        assert kid is not None and kid.deleted_at is not None and kid.nickname is None
    assert client.get("/staff/challenges", follow_redirects=False).status_code in (303, 401)
    assert client.get("/v1/me", headers=as_child).status_code == 401
