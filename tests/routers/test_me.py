"""The caller's profile and a guardian's children."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models.member import Member
from tests.factories import CONSENT

PROBLEM = "application/problem+json"


def test_me_needs_a_token(client):
    r = client.get("/v1/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    assert "Bearer" in r.headers["www-authenticate"]


def test_age_group_follows_birth_year(client, factory):
    lib = factory.library("palu")
    teen = factory.member(lib, age=15)
    adult = factory.member(lib, age=18)
    assert client.get("/v1/me", headers=factory.headers(teen)).json()["age_group"] == "teens"
    assert client.get("/v1/me", headers=factory.headers(adult)).json()["age_group"] == "adults"


def test_update_profile(client, factory):
    m = factory.member()
    r = client.patch(
        "/v1/me",
        json={"nickname": "KutuBuku", "language": "en", "leaderboard_opt_out": True},
        headers=factory.headers(m),
    )
    assert r.status_code == 200
    assert r.json()["nickname"] == "KutuBuku"
    assert r.json()["leaderboard_opt_out"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"language": "fr"},
        {"display_name": ""},
        {"display_name": None},
        {"nickname": "n" * 41},
        {"role": "admin"},
        {"leaderboard_opt_out": "sometimes"},
    ],
)
def test_bad_profile_updates_change_nothing(client, factory, body):
    m = factory.member()
    r = client.patch("/v1/me", json=body, headers=factory.headers(m))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    with factory.session() as s:
        again = s.get(Member, m.id)
        assert again.role == "member"
        assert again.display_name == m.display_name
        assert again.language == "id"


def test_nickname_unique_per_library_in_any_case(client, factory):
    lib, other = factory.library(), factory.library()
    factory.member(lib, nickname="Kancil")
    me = factory.member(lib)
    r = client.patch("/v1/me", json={"nickname": "kancil"}, headers=factory.headers(me))
    assert r.status_code == 409
    elsewhere = factory.member(other)
    r = client.patch("/v1/me", json={"nickname": "kancil"}, headers=factory.headers(elsewhere))
    assert r.status_code == 200


def test_guardian_creates_and_lists_children(client, factory):
    parent = factory.member(factory.library("palu"))
    h = factory.headers(parent)
    r = client.post(
        "/v1/me/children",
        json={
            "display_name": "Rina Lestari",
            "nickname": "Rina",
            "birth_year": 2018,
            "consent": CONSENT,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["age_group"] == "kids"
    kids = client.get("/v1/me/children", headers=h).json()
    assert [k["nickname"] for k in kids] == ["Rina"]
    other_parent = factory.member()
    assert client.get("/v1/me/children", headers=factory.headers(other_parent)).json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"display_name": "Rina L", "birth_year": 2018, "consent": CONSENT}, 422),  # nickname
        (
            {"display_name": "Rina L", "nickname": "Rina", "birth_year": 2031, "consent": CONSENT},
            422,
        ),
        (
            {"display_name": "Rina L", "nickname": "Rina", "birth_year": 2005, "consent": CONSENT},
            422,
        ),
        ({"display_name": "Rina L", "nickname": "Rina", "birth_year": "2018x"}, 422),
        (
            {"display_name": "Rina L", "nickname": "Taken", "birth_year": 2018, "consent": CONSENT},
            409,
        ),
        ({"display_name": "Rina L", "nickname": "Rina", "birth_year": 2018}, 422),  # no consent
        (
            {
                "display_name": "Rina L",
                "nickname": "Rina",
                "birth_year": 2018,
                "consent": {**CONSENT, "accepted": False},
            },
            422,
        ),
        (
            {
                "display_name": "Rina L",
                "nickname": "rina l",
                "birth_year": 2018,
                "consent": CONSENT,
            },
            422,
        ),
    ],
)
def test_bad_children_are_refused(client, factory, body, status):
    lib = factory.library()
    factory.member(lib, nickname="Taken")
    parent = factory.member(lib)
    with factory.session() as s:
        before = s.execute(select(func.count()).select_from(Member)).scalar_one()
    r = client.post("/v1/me/children", json=body, headers=factory.headers(parent))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    with factory.session() as s:
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == before


def test_child_profile_needs_its_nickname(client, factory):
    parent = factory.member()
    child = factory.child(parent, nickname="Kancil")
    r = client.patch(
        "/v1/me", json={"nickname": None}, headers=factory.child_headers(parent, child)
    )
    assert r.status_code == 422
