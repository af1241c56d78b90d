"""A guardian's consent: recorded with the profile, readable, and withdrawing it hides
the child from every public place."""

from __future__ import annotations

from tests.factories import CONSENT

CHILD = {
    "display_name": "Rina Wulandari",
    "nickname": "Bintang",
    "birth_year": 2018,
}


def test_consent_is_required_and_recorded_with_its_wording(client, factory, clock):
    guardian = factory.member(factory.library("palu"))
    h = factory.headers(guardian)
    missing = client.post("/v1/me/children", json=CHILD, headers=h)
    assert missing.status_code == 422
    assert missing.json()["type"].endswith("consent-required")
    text = client.get("/v1/consent/child").json()
    outdated = client.post(
        "/v1/me/children", json={**CHILD, "consent": {**CONSENT, "version": "2020-01"}}, headers=h
    )
    assert outdated.status_code == 422
    r = client.post(
        "/v1/me/children",
        json={**CHILD, "consent": {**CONSENT, "version": text["version"], "language": "en"}},
        headers=h,
    )
    assert r.status_code == 201, r.text
    child_id = r.json()["id"]
    records = client.get(f"/v1/me/children/{child_id}/consent", headers=h).json()
    assert len(records) == 1
    assert records[0]["wording"] == text["wording"]["en"]
    assert records[0]["version"] == text["version"]
    assert records[0]["given_at"].startswith("2026-11-17")
    assert records[0]["withdrawn_at"] is None
    stranger = factory.member()
    other = client.get(f"/v1/me/children/{child_id}/consent", headers=factory.headers(stranger))
    assert other.status_code == 404


def test_withdrawing_consent_hides_the_child_everywhere_public(client, factory):
    from tests.leaderboards.conftest import award as _award  # noqa: F401

    palu = factory.library("palu")
    guardian = factory.member(palu)
    adult = factory.member(palu)
    child = factory.child(guardian, nickname="Bintang")
    as_child = factory.child_headers(guardian, child)
    summary = client.post(
        "/v1/share",
        json={"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp"]},
        headers=as_child,
    )
    assert summary.status_code == 201, summary.text
    code = summary.json()["id"]
    assert client.get(f"/s/{code}").status_code == 200
    gh = factory.headers(guardian)
    assert client.delete(f"/v1/me/children/{child.id}/consent", headers=gh).status_code == 204
    assert client.get(f"/s/{code}").status_code == 410
    assert client.get(f"/v1/share/{code}/image?format=og").status_code == 410
    again = client.post(
        "/v1/share",
        json={"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp"]},
        headers=as_child,
    )
    assert again.status_code == 409
    board = client.get("/v1/leaderboards", params={"period": "all_time"}, headers=gh).json()
    assert child.id not in [e["member_id"] for e in board["entries"]]
    records = client.get(f"/v1/me/children/{child.id}/consent", headers=gh).json()
    assert records[-1]["withdrawn_at"] is not None
    assert client.delete(f"/v1/me/children/{child.id}/consent", headers=gh).status_code == 409
    given = client.post(f"/v1/me/children/{child.id}/consent", json=CONSENT, headers=gh)
    assert given.status_code == 201
    assert adult.id


def test_share_cards_are_not_cached_for_long(client, factory):
    guardian = factory.member(factory.library("palu"))
    child = factory.child(guardian, nickname="Bintang")
    r = client.post(
        "/v1/share",
        json={"subject": {"type": "monthly_summary"}, "platforms": ["whatsapp"]},
        headers=factory.child_headers(guardian, child),
    )
    card = client.get(f"/v1/share/{r.json()['id']}/image?format=og")
    assert card.status_code == 200
    cache = card.headers["Cache-Control"]
    assert "no-cache" in cache and "max-age" not in cache
