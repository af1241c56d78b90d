"""A batch's item problems come from the same catalogue as every response: worded in the
language the request asks for, with the same type."""

from __future__ import annotations


def test_batch_item_problems_speak_the_language_asked_for(client, factory):
    reader = factory.member(factory.library("palu"))
    book = {"title": "Laskar Pelangi", "author": "Andrea Hirata"}
    items = [
        {"client_id": "a", "book": book, "pages": 10},
        {"client_id": "a", "book": book, "pages": 12},
        {"client_id": "b", "pages": 5},
    ]
    h = factory.headers(reader)
    plain = client.post("/v1/reading-logs/batch", json={"items": items}, headers=h)
    english = client.post(
        "/v1/reading-logs/batch", json={"items": items}, headers={**h, "Accept-Language": "en"}
    )
    assert plain.status_code == english.status_code == 200, plain.text
    twice_id, twice_en = plain.json()["items"][1], english.json()["items"][1]
    assert twice_id["outcome"] == twice_en["outcome"] == "error"
    assert twice_id["problem"]["type"] == twice_en["problem"]["type"]
    assert twice_id["problem"]["type"] == "urn:bacaquest:problem:duplicate-client-id"
    assert twice_id["problem"]["title"] == "client_id ganda"
    assert twice_en["problem"]["title"] == "Duplicate client id"
    invalid_id, invalid_en = (
        plain.json()["items"][2]["problem"],
        english.json()["items"][2]["problem"],
    )
    assert invalid_id["type"] == invalid_en["type"] == "urn:bacaquest:problem:validation"
    assert invalid_id["title"] == "Isian tidak valid"
    assert invalid_en["title"] == "Invalid input"
