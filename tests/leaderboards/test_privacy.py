"""Children on boards only for those with a reason; schools only when confirmed; a
nickname only for everyone under 18 (database and Redis alike)."""

from __future__ import annotations

from tests.factories import november_challenge


def get(client, factory, who, **params):
    return client.get("/v1/leaderboards", params=params, headers=factory.headers(who))


def test_a_strangers_token_sees_no_child_on_any_board(client, factory, award):
    palu = factory.library("palu")
    staff = factory.staff(palu)
    ch = client.post("/v1/challenges", json=november_challenge(), headers=factory.headers(staff))
    ch_id = ch.json()["id"]
    parent = factory.member(palu)
    rina = factory.child(parent, age=8, nickname="Bintang")  # school "SD Negeri 1"
    adult = factory.member(palu)
    stranger = factory.member(palu, school="SD Negeri 1")  # typed the children's school
    for m, points in ((rina, 50), (adult, 30), (stranger, 10), (parent, 5)):
        award(m, points, challenge_ids=[ch_id])
    for params in (
        {},
        {"period": "month"},
        {"period": "all_time", "limit": 100},
        {"scope": "challenge", "id": str(ch_id)},
    ):
        r = get(client, factory, stranger, **params)
        assert r.status_code == 200, r.text
        body = r.json()
        ids = [e["member_id"] for e in body["entries"]]
        assert rina.id not in ids, params
        assert "Bintang" not in r.text
        # Ranked among the others: no gap where the child was.
        assert [e["rank"] for e in body["entries"]] == list(range(1, len(ids) + 1))
        assert body["me"]["rank"] == 2
    kids = get(client, factory, stranger, age_group="kids")
    assert kids.status_code == 403
    assert kids.headers["content-type"] == "application/problem+json"
    school = get(client, factory, stranger, scope="school")
    assert school.status_code == 403  # a typed school admits no one
    # Those with a reason see her, by nickname: her guardian and staff.
    for who in (parent, staff):
        body = get(client, factory, who, period="all_time").json()
        names = {e["member_id"]: e["name"] for e in body["entries"]}
        assert names[rina.id] == "Bintang"
        assert get(client, factory, who, age_group="kids").status_code == 200
    child_view = client.get(
        "/v1/leaderboards",
        params={"age_group": "kids"},
        headers=factory.child_headers(parent, rina),
    )
    assert child_view.status_code == 200
    assert child_view.json()["me"]["name"] == "Bintang"


def test_a_class_code_or_staff_confirmation_opens_the_school_board(client, factory, award):
    palu = factory.library("palu")
    staff = factory.staff(palu)
    parent = factory.member(palu)
    rina = factory.child(parent, age=8, nickname="Bintang")  # school "SD Negeri 1"
    teacher = factory.member(palu, school="SD Negeri 1")
    award(rina, 20)
    award(teacher, 5)
    assert get(client, factory, teacher, scope="school").status_code == 403
    code = client.post(
        "/v1/libraries/palu/class-codes",
        json={"school": "SD Negeri 1"},
        headers=factory.headers(staff),
    )
    assert code.status_code == 201, code.text
    bad = client.post("/v1/me/school", json={"code": "ZZZZ-ZZZZ"}, headers=factory.headers(teacher))
    assert bad.status_code == 400
    joined = client.post(
        "/v1/me/school", json={"code": code.json()["code"]}, headers=factory.headers(teacher)
    )
    assert joined.status_code == 200, joined.text
    body = get(client, factory, teacher, scope="school").json()
    assert [e["member_id"] for e in body["entries"]] == [rina.id, teacher.id]
    # Typing another school ends the confirmation.
    client.patch("/v1/me", json={"school": "SD Negeri 2"}, headers=factory.headers(teacher))
    assert get(client, factory, teacher, scope="school").status_code == 403
    # Staff confirm at the desk; members may not.
    assert (
        client.post(
            f"/v1/libraries/palu/members/{teacher.id}/school-confirmation",
            json={},
            headers=factory.headers(teacher),
        ).status_code
        == 403
    )
    ok = client.post(
        f"/v1/libraries/palu/members/{teacher.id}/school-confirmation",
        json={},
        headers=factory.headers(staff),
    )
    assert ok.status_code == 200, ok.text
    assert get(client, factory, teacher, scope="school").status_code == 200


def test_teens_appear_by_nickname_only(client, factory, award):
    palu = factory.library("palu")
    teen = factory.member(palu, age=15, display_name="Teguh Prasetyo")
    adult = factory.member(palu, display_name="Siti Aminah")
    award(teen, 20)
    award(adult, 10)
    r = get(client, factory, adult)
    names = {e["member_id"]: e["name"] for e in r.json()["entries"]}
    assert "Teguh" not in r.text
    assert names[teen.id] == "Pembaca"
    assert names[adult.id] == "Siti Aminah"
