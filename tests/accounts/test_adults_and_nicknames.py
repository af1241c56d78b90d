"""Guardians and staff are adults; a nickname is never the real name; minors get one."""

from __future__ import annotations

from tests.factories import CONSENT

CHILD = {
    "display_name": "Rina Wulandari",
    "nickname": "Bintang",
    "birth_year": 2018,
    "consent": CONSENT,
}


def test_a_fifteen_year_old_cannot_create_children(client, factory):
    teen = factory.member(age=15)
    r = client.post("/v1/me/children", json=CHILD, headers=factory.headers(teen))
    assert r.status_code == 403
    assert "adults" in r.json()["detail"]
    adult = factory.member(age=30)
    assert (
        client.post("/v1/me/children", json=CHILD, headers=factory.headers(adult)).status_code
        == 201
    )


def test_staff_are_adults(client, factory):
    lib = factory.library("palu")
    admin = factory.admin()
    kid = factory.member(lib, age=13)
    r = client.post(
        "/v1/libraries/palu/staff", json={"member_id": kid.id}, headers=factory.headers(admin)
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("not-adult")
    grown = factory.member(lib, age=25)
    r = client.post(
        "/v1/libraries/palu/staff", json={"member_id": grown.id}, headers=factory.headers(admin)
    )
    assert r.status_code == 200
    assert r.json()["role"] == "staff"


def test_a_nickname_equal_to_the_name_is_refused(client, factory):
    factory.library("palu")
    guardian = factory.member()
    r = client.post(
        "/v1/me/children",
        json={**CHILD, "nickname": "rina  WULANDARI"},
        headers=factory.headers(guardian),
    )
    assert r.status_code == 422
    assert r.json()["type"].endswith("nickname-is-name")
    body = {
        "email": "teguh@example.org",
        "password": "Kopi-Tubruk-di-Palu-7",
        "display_name": "Teguh Prasetyo",
        "birth_year": 2011,
        "library": "palu",
        "nickname": "Teguh Prasetyo",
    }
    assert client.post("/v1/auth/register", json=body).status_code == 422
    me = factory.member(display_name="Siti Aminah")
    r = client.patch("/v1/me", json={"nickname": "Siti-Aminah"}, headers=factory.headers(me))
    assert r.status_code == 422


def test_a_teen_without_a_nickname_gets_a_generated_one(client, factory):
    factory.library("palu")
    body = {
        "email": "teguh@example.org",
        "password": "Kopi-Tubruk-di-Palu-7",
        "display_name": "Teguh Prasetyo",
        "birth_year": 2011,
        "library": "palu",
    }
    r = client.post("/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    nick = r.json()["member"]["nickname"]
    assert nick and "Teguh" not in nick
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    offered = client.get("/v1/me/nickname-suggestions", headers=headers)
    assert offered.status_code == 200
    assert len(offered.json()) == 5 and nick not in offered.json()
    cleared = client.patch("/v1/me", json={"nickname": None}, headers=headers)
    assert cleared.status_code == 422  # under 18: keeps a nickname


def test_a_teens_share_shows_the_nickname_only_in_every_public_place(client, factory):
    palu = factory.library("palu")
    named = factory.member(palu, age=15, display_name="Teguh Prasetyo", nickname="Elang")
    unnamed = factory.member(palu, age=16, display_name="Sri Rahayu")
    for teen, shown in ((named, "Elang"), (unnamed, "Pembaca")):
        made = client.post(
            "/v1/share",
            json={"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp", "x"]},
            headers=factory.headers(teen),
        )
        assert made.status_code == 201, made.text
        real = teen.display_name.split()[0]
        assert real not in made.text  # the post texts
        page = client.get(f"/s/{made.json()['id']}")
        assert page.status_code == 200
        assert shown in page.text and real not in page.text
