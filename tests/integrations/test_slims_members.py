"""SLiMS member export (CSV) by staff, and claiming an account with a library card."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.models.member import Member
from app.models.slims import SlimsMember
from tests.factories import CONSENT

EXPORT = (
    "member_id,member_name,gender,birth_date,member_email,member_phone,inst_name,expire_date\n"
    "P0001,Siti Rahma,1,1990-04-12,siti@example.org,0812,Umum,2027-12-31\n"
    "P0002,Bima Putra,0,2017-02-03,,,SD Negeri 1,2027-06-30\n"
    ",Tanpa Kartu,0,1990-01-01,,,,2027-01-01\n"
    "P0004,Tanggal Rusak,0,12/04/1990,,,,2027-01-01\n"
    "P0005,Dewi Lestari,1,2010-08-17,dewi@example.org,,SMP Negeri 2,2027-01-01\n"
)


def upload(client, factory, staff, body: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/integrations/slims/members/csv",
        files={"file": ("members.csv", body.encode(), "text/csv")},
        headers=factory.headers(staff),
    )


def imported(client, factory):  # type: ignore[no-untyped-def]
    lib = factory.library("palu")
    staff = factory.staff(lib)
    r = upload(client, factory, staff, EXPORT)
    assert r.status_code == 200, r.text
    return lib, staff, r.json()


def claim(client, **kw):  # type: ignore[no-untyped-def]
    body = {
        "library": "palu",
        "card_number": "P0001",
        "birth_date": "1990-04-12",
        "password": "kata-sandi-rahasia",
    }
    body.update(kw)
    return client.post("/v1/integrations/slims/claim", json=body)


def test_the_export_imports_good_rows_reports_broken_ones_and_is_idempotent(client, factory):
    _, staff, report = imported(client, factory)

    assert (report["created"], report["updated"], report["skipped"]) == (3, 0, 2)
    skipped = {r["source_id"]: r["reason"] for r in report["rows"] if r["action"] == "skipped"}
    assert skipped == {"?": "no card number (member_id)", "P0004": "a date is not YYYY-MM-DD"}

    again = upload(client, factory, staff, EXPORT).json()
    assert (again["created"], again["updated"]) == (0, 0)
    changed = upload(client, factory, staff, EXPORT.replace("0812", "0813")).json()
    assert changed["updated"] == 1
    with Session(client.app.state.engine) as s:
        card = s.execute(select(SlimsMember).where(SlimsMember.card_number == "P0001")).scalar_one()
    assert card.phone == "0813" and card.member_id is None


def test_an_export_that_is_not_one_is_refused_whole(client, factory):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    r = upload(client, factory, staff, "nama,kartu\nSiti,P1\n")
    assert r.status_code == 422
    assert "member_id" in r.json()["detail"]
    assert upload(client, factory, reader, EXPORT).status_code == 403
    with Session(client.app.state.engine) as s:
        assert s.execute(select(SlimsMember)).first() is None


def test_a_member_claims_their_account_with_card_and_birth_date(client, factory):
    imported(client, factory)

    r = claim(client)

    assert r.status_code == 201, r.text
    body = r.json()
    assert body["member"]["display_name"] == "Siti Rahma"
    assert body["member"]["email"] == "siti@example.org"
    assert body["member"]["school"] == "Umum"
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["library"] == "palu"
    signin = client.post(
        "/v1/auth/token",
        data={"username": "siti@example.org", "password": "kata-sandi-rahasia"},
    )
    assert signin.status_code == 200
    again = claim(client, email="lain@example.org")
    assert again.status_code == 409 and again.json()["type"].endswith("card-claimed")


def test_wrong_answers_tell_nothing_and_lock_the_card_for_a_while(client, factory):
    imported(client, factory)
    unknown = claim(client, card_number="P9999")
    wrong = claim(client, birth_date="1990-04-13")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    for _ in range(4):
        assert claim(client, birth_date="1991-01-01").status_code == 401

    locked = claim(client)  # the right answer, after five wrong ones

    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    with Session(client.app.state.engine) as s:
        assert s.execute(select(Member).where(Member.email == "siti@example.org")).first() is None
    client.app.state.clock.advance(minutes=16)
    assert claim(client).status_code == 201


def test_a_childs_card_is_claimed_only_by_a_guardian(client, factory):
    lib, _, _ = imported(client, factory)
    own = claim(client, card_number="P0002", birth_date="2017-02-03", email="b@example.org")
    assert own.status_code == 403
    guardian = factory.member(lib)

    card = {"card_number": "P0002", "birth_date": "2017-02-03", "nickname": "Kancil"}
    # Without the guardian's consent no child profile is made.
    refused = client.post(
        "/v1/me/children/claim-card", json=card, headers=factory.headers(guardian)
    )
    assert refused.status_code == 422 and refused.json()["type"].endswith("consent-required")
    assert client.get("/v1/me/children", headers=factory.headers(guardian)).json() == []
    r = client.post(
        "/v1/me/children/claim-card",
        json={**card, "consent": CONSENT},
        headers=factory.headers(guardian),
    )

    assert r.status_code == 201, r.text
    assert r.json()["nickname"] == "Kancil" and r.json()["school"] == "SD Negeri 1"
    children = client.get("/v1/me/children", headers=factory.headers(guardian)).json()
    assert [c["nickname"] for c in children] == ["Kancil"]
    # A teen's card is not a child's: the guardian cannot take it.
    teen = client.post(
        "/v1/me/children/claim-card",
        json={"card_number": "P0005", "birth_date": "2010-08-17", "nickname": "Dewi"},
        headers=factory.headers(guardian),
    )
    assert teen.status_code == 403


def test_an_account_links_its_own_card_only(client, factory):
    lib, _, _ = imported(client, factory)
    reader = factory.member(lib, age=36)  # born 1990, as the card says
    other_lib_reader = factory.member(factory.library(), age=36)

    elsewhere = client.post(
        "/v1/me/library-card",
        json={"card_number": "P0001", "birth_date": "1990-04-12"},
        headers=factory.headers(other_lib_reader),
    )
    r = client.post(
        "/v1/me/library-card",
        json={"card_number": "P0001", "birth_date": "1990-04-12"},
        headers=factory.headers(reader),
    )

    assert elsewhere.status_code == 401
    assert r.status_code == 201 and r.json()["member_id"] == reader.id
    assert claim(client).status_code == 409


def test_of_two_claims_read_at_once_only_the_first_links_the_card(client, factory):
    from app.core.problems import Problem
    from app.integrations.slims import claims

    lib, _, _ = imported(client, factory)
    first, second = factory.member(lib), factory.member(lib)
    with Session(client.app.state.engine) as s:
        card = s.execute(select(SlimsMember).where(SlimsMember.card_number == "P0001")).one()[0]
        stale = SlimsMember.model_validate(card.model_dump())  # what the other claim read
        claims._link(s, card, s.get(Member, first.id), client.app.state.clock.now())
        with pytest.raises(Problem) as refused:
            claims._link(s, stale, s.get(Member, second.id), client.app.state.clock.now())
        assert refused.value.status == 409
        s.commit()
        linked = s.execute(
            select(SlimsMember.member_id).where(SlimsMember.card_number == "P0001")
        ).scalar_one()
    assert linked == first.id
