"""Staff edit quizzes and polls: anything before the first answer or vote; after it, typo
fixes only (the questions, answers, pass mark, points, options and subject are locked),
refused with a 409 problem naming the field and nothing changed."""

from __future__ import annotations

import copy

import pytest

from tests.programmes.test_quizzes_polls import create_poll, create_quiz, quiz_body

PROBLEM = "application/problem+json"
RIGHT = {"answers": [[0], [0, 1]]}


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


@pytest.fixture
def book(client, factory, palu):
    r = client.post(
        "/v1/books", json={"title": "Laskar Pelangi"}, headers=factory.headers(factory.member(palu))
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def managed(client, sh, quiz_id):
    return client.get(f"/v1/quizzes/{quiz_id}/manage", headers=sh).json()


def test_before_anyone_answers_a_quiz_may_change_entirely(client, factory, palu, staff, book):
    quiz = create_quiz(client, factory, staff, book)
    sh = factory.headers(staff)
    questions = copy.deepcopy(quiz_body(book["id"])["questions"])
    questions[0]["options"].append({"text": "Sumatra"})
    questions[0]["correct"] = [3]
    r = client.patch(
        f"/v1/quizzes/{quiz['id']}",
        json={"questions": questions, "pass_percent": 100, "points": 50, "max_attempts": 3},
        headers=sh,
    )
    assert r.status_code == 200, r.text
    after = managed(client, sh, quiz["id"])
    assert (after["pass_percent"], after["points"], after["max_attempts"]) == (100, 50, 3)
    assert after["questions"][0]["correct"] == [3]
    # members are graded by the edited quiz
    h = factory.headers(factory.member(palu))
    old_right = client.post(f"/v1/quizzes/{quiz['id']}/submissions", json=RIGHT, headers=h)
    assert old_right.json()["passed"] is False
    right = {"answers": [[3], [0, 1]]}
    passed = client.post(f"/v1/quizzes/{quiz['id']}/submissions", json=right, headers=h).json()
    assert passed["passed"] is True and passed["points"][0]["amount"] == 50


def test_after_a_submission_only_the_wording_of_a_quiz_may_change(
    client, factory, palu, staff, book
):
    quiz = create_quiz(client, factory, staff, book, max_attempts=2)
    sh = factory.headers(staff)
    h = factory.headers(factory.member(palu))
    assert client.post(f"/v1/quizzes/{quiz['id']}/submissions", json=RIGHT, headers=h).json()[
        "passed"
    ]
    before = managed(client, sh, quiz["id"])

    body = quiz_body(book["id"])
    moved = copy.deepcopy(body["questions"])
    moved[0]["correct"] = [1]
    more = copy.deepcopy(body["questions"])
    more[1]["options"].append({"text": "Mahar"})
    other = client.post(
        "/v1/books", json={"title": "Bumi Manusia"}, headers=factory.headers(factory.member(palu))
    ).json()
    for change, field in (
        ({"questions": moved}, "questions"),
        ({"questions": more}, "questions"),
        ({"questions": body["questions"][:1]}, "questions"),
        ({"pass_percent": 90}, "pass_percent"),
        ({"points": 100}, "points"),
        ({"max_attempts": 1}, "max_attempts"),
        ({"book_id": other["id"]}, "book_id"),
        ({"title": "Judul baru", "points": 0}, "points"),  # a refused edit changes nothing
    ):
        r = client.patch(f"/v1/quizzes/{quiz['id']}", json=change, headers=sh)
        assert r.status_code == 409, (change, r.text)
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"].endswith("answered")
        assert r.json()["errors"][0]["field"] == field
        assert managed(client, sh, quiz["id"]) == before

    typo = copy.deepcopy(body["questions"])
    typo[0]["text"] = "Di pulau manakah cerita ini berlatar?"
    typo[0]["options"][1]["text"] = "Pulau Bangka"
    typo[1]["explanation"] = "Ikal dan Lintang; Minke tokoh Bumi Manusia."
    ok = client.patch(
        f"/v1/quizzes/{quiz['id']}",
        json={
            "questions": typo,
            "title": "Kuis: Laskar Pelangi",
            "max_attempts": 3,
            "points": 30,  # unchanged values may be sent back as they are
            "published": False,
        },
        headers=sh,
    )
    assert ok.status_code == 200, ok.text
    after = managed(client, sh, quiz["id"])
    assert after["title"] == "Kuis: Laskar Pelangi" and after["max_attempts"] == 3
    assert after["questions"][0]["options"][1]["text"] == "Pulau Bangka"
    assert after["published"] is False and after["attempts"] == 1


def test_quiz_edits_are_checked_and_only_for_this_librarys_staff(
    client, factory, palu, staff, book
):
    quiz = create_quiz(client, factory, staff, book)
    sh = factory.headers(staff)
    before = managed(client, sh, quiz["id"])
    for bad in (
        {"title": None},
        {"points": -1},
        {"questions": []},
        {"book_id": None},  # then it would be on nothing
        {"book_id": 999999},
        {"surprise": 1},
    ):
        r = client.patch(f"/v1/quizzes/{quiz['id']}", json=bad, headers=sh)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"] == PROBLEM
    member = factory.headers(factory.member(palu))
    assert (
        client.patch(f"/v1/quizzes/{quiz['id']}", json={"title": "x"}, headers=member).status_code
        == 403
    )
    other = factory.headers(factory.staff(factory.library("kotamobagu")))
    assert (
        client.patch(f"/v1/quizzes/{quiz['id']}", json={"title": "x"}, headers=other).status_code
        == 404
    )
    assert managed(client, sh, quiz["id"]) == before


def poll_of(client, sh, poll_id):
    return client.get(f"/v1/polls/{poll_id}", headers=sh).json()


def test_a_poll_is_reworded_but_keeps_its_options_once_voted(client, factory, palu, staff, clock):
    poll = create_poll(client, factory, staff)
    sh = factory.headers(staff)
    four = [
        {"text": "Bumi Manusia"},
        {"text": "Cantik Itu Luka"},
        {"text": "Pulang"},
        {"text": "Ronggeng"},
    ]
    r = client.patch(f"/v1/polls/{poll['id']}", json={"options": four}, headers=sh)
    assert r.status_code == 200 and len(r.json()["options"]) == 4  # before any vote
    h = factory.headers(factory.member(palu))
    assert (
        client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 3}, headers=h).status_code
        == 200
    )
    before = poll_of(client, sh, poll["id"])
    for change in ({"options": four[:3]}, {"options": [*four, {"text": "Amba"}]}):
        r = client.patch(f"/v1/polls/{poll['id']}", json=change, headers=sh)
        assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["field"] == "options"
    assert poll_of(client, sh, poll["id"]) == before
    typo = [*four[:3], {"text": "Ronggeng Dukuh Paruk"}]
    ok = client.patch(
        f"/v1/polls/{poll['id']}",
        json={
            "options": typo,
            "question": "Buku mana yang kita bedah?",
            "closes_local": "2026-11-30T20:00",
        },
        headers=sh,
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["options"][3]["text"] == "Ronggeng Dukuh Paruk" and body["closes_at"]
    assert body["results"][3]["votes"] == 1  # the vote stays with its option
    past = client.patch(
        f"/v1/polls/{poll['id']}", json={"closes_local": "2026-11-01T20:00"}, headers=sh
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "closes_local"
    client.post(f"/v1/polls/{poll['id']}/close", headers=sh)
    reopen = client.patch(f"/v1/polls/{poll['id']}", json={"closes_local": None}, headers=sh)
    assert reopen.status_code == 409 and reopen.json()["type"].endswith("poll-closed")
    assert poll_of(client, sh, poll["id"])["closed"] is True
    member = client.patch(f"/v1/polls/{poll['id']}", json={"question": "Apa?"}, headers=h)
    assert member.status_code == 403
