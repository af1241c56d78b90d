"""Demo data: the five libraries of the seeds, their accounts, badges and challenges; twice."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.db import transaction
from app.demo import load_demo
from app.models.badge import Badge
from app.models.challenge import Challenge
from app.models.library import Library
from app.models.member import Member


def test_demo_loads_once_and_signs_in(client, engine, clock):
    with transaction(engine) as s:
        first = load_demo(s, "bacaquest-demo", clock.now())
    with transaction(engine) as s:
        second = load_demo(s, "bacaquest-demo", clock.now())
    assert first == second == {"libraries": 5, "members": 26}
    with transaction(engine, write=False) as s:
        zones = dict(s.execute(select(Library.slug, Library.timezone)).all())
        tags = s.execute(select(Library.hashtags).where(Library.slug == "palu")).scalar_one()
        badges = s.execute(select(func.count()).select_from(Badge)).scalar_one()
        challenges = s.execute(select(Challenge.hashtag).where(Challenge.library_id == 1)).all()
        kids = (
            s.execute(
                select(Member.nickname).where(
                    Member.guardian_id.is_not(None), Member.library_id == 1
                )
            )
            .scalars()
            .all()
        )
    assert zones == {
        "palu": "Asia/Makassar",
        "kotamobagu": "Asia/Makassar",
        "pasuruan": "Asia/Jakarta",
        "probolinggo": "Asia/Jakarta",
        "semarang": "Asia/Jakarta",
    }
    assert tags[0] == "#PerpustakaanPalu"
    assert badges == 20
    assert {c[0] for c in challenges} == {
        "#TantanganBacaNovember2026",
        "#TantanganBacaDesember2026",
    }
    assert sorted(kids) == ["Bima", "Rina"]
    for email in (
        "admin@bacaquest.demo",
        "staff.palu@bacaquest.demo",
        "parent.semarang@bacaquest.demo",
        "teen.kotamobagu@bacaquest.demo",
    ):
        r = client.post("/v1/auth/token", data={"username": email, "password": "bacaquest-demo"})
        assert r.status_code == 200, email
    teen = client.post(
        "/v1/auth/token",
        data={"username": "teen.palu@bacaquest.demo", "password": "bacaquest-demo"},
    ).json()["access_token"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {teen}"}).json()
    assert me["age_group"] == "teens"
