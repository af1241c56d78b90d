"""Console challenges: the API's rules before and at submit, preview, end early, CSV."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import transaction
from app.models.challenge import Challenge
from tests.console.helpers import sign_in

FORM = {
    "title": "Tantangan Baca Desember",
    "hashtag": "#TantanganBacaDesember",
    "starts_on": "2026-12-01",
    "ends_on": "2026-12-31",
    "goal": "books",
    "target": "5",
    "age_groups": ["kids", "teens", "adults"],
    "bonus_points": "50",
    "published": "1",
}


def _challenges(engine) -> list[Challenge]:
    with transaction(engine, write=False) as s:
        return list(s.execute(select(Challenge)).scalars())


def test_create_a_challenge_from_the_form(client: TestClient, factory, engine):
    lib = factory.library("palu")
    token = sign_in(client, factory.staff(lib).email)
    response = client.post("/staff/challenges", data={**FORM, "csrf_token": token})
    assert response.status_code == 200
    assert "Tantangan dibuat." in response.text
    assert 'src="/staff/preview/card.png?' in response.text
    [ch] = _challenges(engine)
    assert (ch.hashtag, ch.target, ch.library_id, ch.bonus_points) == (
        "#TantanganBacaDesember",
        5,
        lib.id,
        50,
    )
    listing = client.get("/staff/challenges").text
    assert "Tantangan Baca Desember" in listing


def test_a_form_without_its_token_creates_nothing(client: TestClient, factory, engine):
    sign_in(client, factory.staff(factory.library()).email)
    response = client.post("/staff/challenges", data=FORM)
    assert response.status_code == 403
    assert _challenges(engine) == []


def test_the_rules_are_explained_before_submitting(client: TestClient, factory, engine):
    token = sign_in(client, factory.staff(factory.library()).email)
    assert client.post("/staff/challenges", data={**FORM, "csrf_token": token}).status_code == 200
    taken = client.post(
        "/staff/challenges/check", data={**FORM, "title": "Lain", "csrf_token": token}
    )
    assert "already the hashtag" in taken.text
    unreachable = client.post(
        "/staff/challenges/check",
        data={**FORM, "hashtag": "#Lain", "goal": "pages", "target": "900000", "csrf_token": token},
    )
    assert "No member could reach this target" in unreachable.text
    fine = client.post(
        "/staff/challenges/check", data={**FORM, "hashtag": "#Lain", "csrf_token": token}
    )
    assert "Semua aturan terpenuhi." in fine.text
    assert len(_challenges(engine)) == 1  # checks save nothing


def test_a_refused_submit_shows_why_and_keeps_the_form(client: TestClient, factory, engine):
    token = sign_in(client, factory.staff(factory.library()).email)
    response = client.post(
        "/staff/challenges",
        data={**FORM, "goal": "pages", "target": "900000", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "No member could reach this target" in response.text
    assert 'value="Tantangan Baca Desember"' in response.text
    assert _challenges(engine) == []


def test_a_started_challenge_cannot_be_made_harder_but_can_end_today(
    client: TestClient, factory, engine
):
    token = sign_in(client, factory.staff(factory.library()).email)
    client.post(
        "/staff/challenges",
        data={**FORM, "starts_on": "2026-11-01", "ends_on": "2026-11-30", "csrf_token": token},
    )
    [ch] = _challenges(engine)
    harder = client.post(
        f"/staff/challenges/{ch.id}/check",
        data={
            **FORM,
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "target": "9",
            "csrf_token": token,
        },
    )
    assert "cannot be made harder" in harder.text
    ended = client.post(f"/staff/challenges/{ch.id}/end", data={"csrf_token": token})
    assert ended.status_code == 200
    [ch] = _challenges(engine)
    assert str(ch.ends_on) == "2026-11-17" and ch.ended_early and ch.target == 5


def test_card_preview_is_a_png_and_texts_carry_the_hashtag(client: TestClient, factory):
    sign_in(client, factory.staff(factory.library()).email)
    card = client.get(
        "/staff/preview/card.png",
        params={
            "title": "Baca Desember",
            "hashtag": "#BacaDesember",
            "goal": "pages",
            "target": "300",
        },
    )
    assert card.status_code == 200 and card.content[:8] == b"\x89PNG\r\n\x1a\n"
    texts = client.get(
        "/staff/preview/texts", params={"title": "Baca Desember", "hashtag": "#BacaDesember"}
    )
    assert texts.text.count("#BacaDesember") >= 3
    assert 'data-platform="whatsapp"' in texts.text
    # Half-typed input still previews.
    assert (
        client.get("/staff/preview/card.png", params={"hashtag": "#", "target": "x"}).status_code
        == 200
    )


def test_participants_csv_and_another_librarys_staff(client: TestClient, factory, engine):
    lib = factory.library()
    token = sign_in(client, factory.staff(lib).email)
    client.post(
        "/staff/challenges",
        data={**FORM, "starts_on": "2026-11-01", "ends_on": "2026-11-30", "csrf_token": token},
    )
    [ch] = _challenges(engine)
    reader = factory.member(lib)
    assert (
        client.post(f"/v1/challenges/{ch.id}/join", headers=factory.headers(reader)).status_code
        == 200
    )
    csv = client.get(f"/staff/challenges/{ch.id}/participants.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert reader.display_name in csv.text

    other = TestClient(client.app)
    other_token = sign_in(other, factory.staff(factory.library()).email)
    assert other.get(f"/staff/challenges/{ch.id}").status_code == 404
    ended = other.post(f"/staff/challenges/{ch.id}/end", data={"csrf_token": other_token})
    assert ended.status_code == 404
    [ch] = _challenges(engine)
    assert not ch.ended_early
