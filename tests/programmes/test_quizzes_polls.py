"""Quizzes and polls through the API: answers never leave before submission, grading on the
server, tries and points once, children through the guardian; one vote, results when
allowed, closed polls refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models.quizzes import QuizAttempt
from app.scoring.programmes import PROGRAMME_QUIZ

PROBLEM = "application/problem+json"


@pytest.fixture
def palu(factory):
    return factory.library("palu")


@pytest.fixture
def staff(factory, palu):
    return factory.staff(palu)


@pytest.fixture
def book(client, factory, palu):
    r = client.post(
        "/v1/books",
        json={"title": "Laskar Pelangi", "author": "Andrea Hirata"},
        headers=factory.headers(factory.member(palu)),
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def quiz_body(subject_book, **kw):
    body = {
        "title": "Kuis Laskar Pelangi",
        "title_en": "Laskar Pelangi quiz",
        "book_id": subject_book,
        "pass_percent": 60,
        "points": 30,
        "questions": [
            {
                "text": "Di pulau mana cerita ini berlatar?",
                "text_en": "On which island is the story set?",
                "options": [{"text": "Belitung"}, {"text": "Bangka"}, {"text": "Bali"}],
                "correct": [0],
                "explanation": "Sekolah Muhammadiyah di Belitung.",
                "explanation_en": "A Muhammadiyah school on Belitung.",
            },
            {
                "text": "Siapa saja anggota Laskar Pelangi?",
                "options": [{"text": "Ikal"}, {"text": "Lintang"}, {"text": "Minke"}],
                "correct": [0, 1],
            },
        ],
    }
    body.update(kw)
    return body


def create_quiz(client, factory, staff, book, **kw):
    r = client.post("/v1/quizzes", json=quiz_body(book["id"], **kw), headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_quiz_hides_its_answers_grades_on_the_server_and_pays_once(
    client, factory, palu, staff, book
):
    quiz = create_quiz(client, factory, staff, book, max_attempts=2)
    assert quiz["questions"][1]["correct"] == [0, 1]  # staff see the answers
    reader = factory.member(palu, language="en")
    h = factory.headers(reader)
    seen = client.get(f"/v1/quizzes/{quiz['id']}", headers=h)
    assert seen.status_code == 200
    raw = seen.text
    assert "correct" not in raw and "explanation" not in raw and "Belitung." not in raw
    body = seen.json()
    assert body["language"] == "en" and body["title"] == "Laskar Pelangi quiz"
    assert body["questions"][0]["text"] == "On which island is the story set?"
    assert body["questions"][1]["text"] == "Siapa saja anggota Laskar Pelangi?"  # no English
    assert [q["multiple"] for q in body["questions"]] == [False, True]
    assert client.get(f"/v1/quizzes/{quiz['id']}?lang=id", headers=h).json()["language"] == "id"

    url = f"/v1/quizzes/{quiz['id']}/submissions"
    first = client.post(url, json={"answers": [[1], [0]]}, headers=h).json()
    assert (first["score"], first["percent"], first["passed"]) == (0, 0, False)
    assert first["attempts_left"] == 1 and first["points"] == []
    # tries remain: the right answers stay hidden
    assert all(r["correct_options"] is None and r["explanation"] is None for r in first["results"])

    second = client.post(url, json={"answers": [[0], [1, 0]]}, headers=h).json()
    assert (second["score"], second["percent"], second["passed"]) == (2, 100, True)
    assert [(p["rule_code"], p["amount"]) for p in second["points"]] == [(PROGRAMME_QUIZ, 30)]
    assert second["results"][0]["correct_options"] == [0]
    assert second["results"][0]["explanation"] == "A Muhammadiyah school on Belitung."
    assert second["totals"]["total"] == 30

    again = client.post(url, json={"answers": [[0], [0, 1]]}, headers=h)
    assert again.status_code == 409 and again.json()["type"].endswith("quiz-passed")
    points = client.get("/v1/me/points", headers=h).json()
    assert points["total"] == 30 and points["by_rule"] == {PROGRAMME_QUIZ: 30}
    me = client.get(f"/v1/quizzes/{quiz['id']}", headers=h).json()["me"]
    assert me == {"attempts": 2, "attempts_left": 0, "passed": True, "best_percent": 100}
    figures = client.get(f"/v1/quizzes/{quiz['id']}/manage", headers=factory.headers(staff)).json()
    assert (figures["attempts"], figures["members"], figures["passed"]) == (2, 1, 1)


def test_one_try_then_the_answers_and_no_more(client, factory, palu, staff, book):
    quiz = create_quiz(client, factory, staff, book)
    h = factory.headers(factory.member(palu))
    url = f"/v1/quizzes/{quiz['id']}/submissions"
    r = client.post(url, json={"answers": [[0], [0]]}, headers=h).json()
    assert r["passed"] is False and r["percent"] == 50 and r["attempts_left"] == 0
    assert r["results"][1] == {**r["results"][1], "correct": False, "correct_options": [0, 1]}
    second = client.post(url, json={"answers": [[0], [0, 1]]}, headers=h)
    assert second.status_code == 409 and second.json()["type"].endswith("no-tries-left")
    assert client.get("/v1/me/points", headers=h).json()["total"] == 0


def test_bad_answers_are_refused_naming_the_field_and_use_no_try(
    client, factory, palu, staff, book
):
    quiz = create_quiz(client, factory, staff, book)
    h = factory.headers(factory.member(palu))
    url = f"/v1/quizzes/{quiz['id']}/submissions"
    for answers, field in [
        ([[0]], "answers"),
        ([[0], [7]], "answers.1"),
        ([[0, 1], [0]], "answers.0"),
        ([[0], [1, 1]], "answers.1"),
    ]:
        r = client.post(url, json={"answers": answers}, headers=h)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, answers
        assert r.json()["errors"][0]["field"] == field
    assert client.post(url, json={"answers": []}, headers=h).status_code == 422
    ok = client.post(url, json={"answers": [[0], [0, 1]]}, headers=h)
    assert ok.status_code == 200 and ok.json()["attempt_no"] == 1


def test_children_take_quizzes_through_the_guardian(client, factory, palu, staff, book):
    quiz = create_quiz(client, factory, staff, book)
    guardian = factory.member(palu)
    child = factory.child(guardian)
    ch = factory.child_headers(guardian, child)
    r = client.post(
        f"/v1/quizzes/{quiz['id']}/submissions", json={"answers": [[0], [0, 1]]}, headers=ch
    )
    assert r.status_code == 200 and r.json()["totals"]["total"] == 30
    assert client.get("/v1/me/points", headers=factory.headers(guardian)).json()["total"] == 0
    with factory.session() as s:
        attempt = s.execute(select(QuizAttempt)).scalar_one()
    assert attempt.member_id == child.id and attempt.submitted_by == guardian.id


def test_quiz_creation_is_checked_and_stays_in_its_library(client, factory, palu, staff, book):
    sh = factory.headers(staff)
    bad = [
        {"book_id": None},
        {"challenge_id": 1},  # both a book and a challenge
        {"pass_percent": 101},
        {"questions": []},
        {"questions": [{"text": "?", "options": [{"text": "a"}, {"text": "b"}], "correct": [2]}]},
        {
            "questions": [
                {"text": "?", "options": [{"text": "a"}, {"text": "b"}], "correct": [0, 1]}
            ]
        },
        {"questions": [{"text": "?", "options": [{"text": "a"}], "correct": [0]}]},
    ]
    for change in bad:
        r = client.post("/v1/quizzes", json=quiz_body(book["id"], **change), headers=sh)
        assert r.status_code == 422, (change, r.text)
    r = client.post("/v1/quizzes", json=quiz_body(999999), headers=sh)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "book_id"
    sem_staff = factory.staff(factory.library("semarang"))
    foreign = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan",
            "hashtag": "#TantanganSemarang",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "books",
            "target": 2,
        },
        headers=factory.headers(sem_staff),
    ).json()
    r = client.post(
        "/v1/quizzes",
        json=quiz_body(None, challenge_id=foreign["id"]),
        headers=sh,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "challenge_id"
    own = client.post(
        "/v1/quizzes",
        json=quiz_body(None, challenge_id=foreign["id"]),
        headers=factory.headers(sem_staff),
    )
    assert own.status_code == 201
    quiz = create_quiz(client, factory, staff, book)
    reader = factory.member(palu)
    assert (
        client.post(
            "/v1/quizzes", json=quiz_body(book["id"]), headers=factory.headers(reader)
        ).status_code
        == 403
    )
    assert (
        client.get(f"/v1/quizzes/{quiz['id']}/manage", headers=factory.headers(reader)).status_code
        == 403
    )
    outsider = factory.headers(factory.member(factory.library("kotamobagu")))
    assert client.get(f"/v1/quizzes/{quiz['id']}", headers=outsider).status_code == 404
    r = client.post(
        f"/v1/quizzes/{quiz['id']}/submissions", json={"answers": [[0], [0, 1]]}, headers=outsider
    )
    assert r.status_code == 404
    listed = client.get(f"/v1/quizzes?book_id={book['id']}", headers=factory.headers(reader)).json()
    assert [q["id"] for q in listed["items"]] == [quiz["id"]]
    assert client.get("/v1/quizzes?book_id=0", headers=factory.headers(reader)).status_code == 422
    draft = create_quiz(client, factory, staff, book, published=False)
    assert (
        client.get(f"/v1/quizzes/{draft['id']}", headers=factory.headers(reader)).status_code == 404
    )


def poll_body(**kw):
    body = {
        "question": "Buku apa yang kita bedah bulan depan?",
        "question_en": "Which book shall we discuss next month?",
        "options": [{"text": "Bumi Manusia"}, {"text": "Cantik Itu Luka"}, {"text": "Pulang"}],
    }
    body.update(kw)
    return body


def create_poll(client, factory, staff, **kw):
    r = client.post("/v1/polls", json=poll_body(**kw), headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_one_vote_per_member_and_results_after_voting(client, factory, palu, staff):
    poll = create_poll(client, factory, staff)
    a, b = factory.member(palu), factory.member(palu)
    ha, hb = factory.headers(a), factory.headers(b)
    before = client.get(f"/v1/polls/{poll['id']}", headers=ha).json()
    assert before["results"] is None and before["my_vote"] is None
    r = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 1}, headers=ha)
    assert r.status_code == 200 and r.json()["my_vote"] == 1 and r.json()["votes"] == 1
    assert r.json()["results"][1] == {
        "index": 1,
        "text": "Cantik Itu Luka",
        "votes": 1,
        "percent": 100,
    }
    again = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 2}, headers=ha)
    assert again.status_code == 409 and again.json()["type"].endswith("already-voted")
    assert client.get(f"/v1/polls/{poll['id']}", headers=hb).json()["results"] is None
    bad = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 3}, headers=hb)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "option"
    client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 2}, headers=hb)
    seen = client.get(f"/v1/polls/{poll['id']}", headers=ha).json()
    assert [o["votes"] for o in seen["results"]] == [0, 1, 1] and seen["votes"] == 2


def test_results_after_closing_and_closed_polls_refuse_votes(client, factory, clock, palu, staff):
    poll = create_poll(
        client, factory, staff, results="after_close", closes_local="2026-11-18T12:00"
    )
    member = factory.member(palu)
    h = factory.headers(member)
    voted = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 0}, headers=h).json()
    assert voted["my_vote"] == 0 and voted["results"] is None  # hidden until it closes
    staff_view = client.get(f"/v1/polls/{poll['id']}", headers=factory.headers(staff)).json()
    assert staff_view["results"][0]["votes"] == 1
    clock.set(clock.now().replace(day=18, hour=4, minute=0))  # 12:00 in Palu
    h = factory.headers(member)
    late = factory.headers(factory.member(palu))
    r = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 1}, headers=late)
    assert r.status_code == 409 and r.json()["type"].endswith("poll-closed")
    after = client.get(f"/v1/polls/{poll['id']}", headers=h).json()
    assert after["closed"] is True and after["results"][0]["votes"] == 1
    assert client.get("/v1/polls", headers=h).json()["items"] == []
    assert [p["id"] for p in client.get("/v1/polls?status=closed", headers=h).json()["items"]] == [
        poll["id"]
    ]


def test_staff_close_a_poll_and_others_cannot(client, factory, palu, staff):
    poll = create_poll(client, factory, staff)
    member = factory.headers(factory.member(palu))
    assert client.post(f"/v1/polls/{poll['id']}/close", headers=member).status_code == 403
    r = client.post(f"/v1/polls/{poll['id']}/close", headers=factory.headers(staff))
    assert r.status_code == 200 and r.json()["closed"] is True
    r = client.post(f"/v1/polls/{poll['id']}/vote", json={"option": 0}, headers=member)
    assert r.status_code == 409
    outsider = factory.headers(factory.member(factory.library("semarang")))
    assert client.get(f"/v1/polls/{poll['id']}", headers=outsider).status_code == 404
    for change in (
        {"options": [{"text": "satu"}]},
        {"closes_local": "2026-11-01T10:00"},
        {"results": "never"},
        {"closes_local": "2026-12-01T10:00+07:00"},
    ):
        r = client.post("/v1/polls", json=poll_body(**change), headers=factory.headers(staff))
        assert r.status_code == 422, change
    with factory.session() as s:
        from app.models.quizzes import PollVote

        assert s.execute(select(func.count()).select_from(PollVote)).scalar_one() == 0
