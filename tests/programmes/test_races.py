"""Programmes under simultaneous requests, on a live two-worker server on PostgreSQL:
capacity and waitlist, one attendance per member and event, the guessing limit, one vote,
one quiz submission. Every burst is released at once; each case runs several rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from app.models.drawings import DrawingEntry, DrawingWinner
from app.models.events import CheckInFailure, Event, EventAttendance, EventRegistration
from app.models.quizzes import PollVote, QuizAttempt
from app.models.reading import LedgerEntry
from app.scoring.programmes import PROGRAMME_EVENT, PROGRAMME_QUIZ
from app.services import ledger
from tests.test_concurrency import (
    PALU_TZ,
    assert_clean_log,
    assert_no_5xx,
    fire,
    is_problem,
    settle,
)

ROUNDS = 3


def _local(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).astimezone(ZoneInfo(PALU_TZ)).strftime("%Y-%m-%dT%H:%M")


def make_event(live, headers, **kw) -> dict:
    body = {
        "title": "Bedah Buku Serentak",
        "kind": "discussion",
        "place": "Aula",
        "starts_local": _local(timedelta(minutes=-10)),
        "ends_local": _local(timedelta(hours=1)),
        "points": 15,
        **kw,
    }
    r = httpx.post(f"{live.url}/v1/events", json=body, headers=headers, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def test_capacity_holds_and_the_waitlist_moves_up_in_order(live, factory, now_factory):
    palu = factory.library("palu")
    staff_h = now_factory.headers(factory.staff(palu))
    for _ in range(ROUNDS):
        ev = make_event(live, staff_h, capacity=5)
        members = [factory.member(palu) for _ in range(20)]
        auth = [now_factory.headers(m) for m in members]
        url = f"/v1/events/{ev['id']}/registration"
        responses = fire(live, [{"method": "POST", "url": url, "headers": h} for h in auth])
        assert_no_5xx(responses, live)
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        statuses = [r.json()["me"]["status"] for r in responses]
        assert statuses.count("registered") == 5 and statuses.count("waitlisted") == 15
        positions = sorted(
            r.json()["me"]["position"] for r in responses if r.json()["me"]["position"]
        )
        assert positions == list(range(1, 16))

        # every place holder cancels at once: the first five in line move up
        holders = [h for h, s in zip(auth, statuses, strict=True) if s == "registered"]
        by_position = sorted(
            (r.json()["me"]["position"], i)
            for i, r in enumerate(responses)
            if r.json()["me"]["status"] == "waitlisted"
        )
        cancels = fire(live, [{"method": "DELETE", "url": url, "headers": h} for h in holders])
        assert_no_5xx(cancels, live)
        assert all(r.status_code == 204 for r in cancels)
        settle(live, factory.engine)
        with factory.session() as s:
            row = s.get(Event, ev["id"])
            assert row is not None
            counted = dict(
                s.execute(
                    select(EventRegistration.status, func.count())
                    .where(EventRegistration.event_id == ev["id"])
                    .group_by(EventRegistration.status)
                ).all()
            )
            promoted = set(
                s.execute(
                    select(EventRegistration.member_id).where(
                        EventRegistration.event_id == ev["id"],
                        EventRegistration.promoted_at.is_not(None),
                    )
                ).scalars()
            )
        assert (row.registered, row.waitlisted) == (5, 10)
        assert counted == {"registered": 5, "waitlisted": 10, "cancelled": 5}
        assert promoted == {members[i].id for _, i in by_position[:5]}
    assert_clean_log(live)


def test_one_attendance_per_member_and_a_guessing_limit_that_holds(live, factory, now_factory):
    palu = factory.library("palu")
    staff_h = now_factory.headers(factory.staff(palu))
    for _ in range(ROUNDS):
        ev = make_event(live, staff_h)
        reader = factory.member(palu)
        auth = now_factory.headers(reader)
        calls = [
            {
                "method": "POST",
                "url": "/v1/events/check-in",
                "json": {"code": ev["code"]},
                "headers": auth,
            }
            for _ in range(16)
        ]
        responses = fire(live, calls)
        assert_no_5xx(responses, live)
        assert sum(r.status_code == 200 for r in responses) == 1
        assert all(
            is_problem(r, 409, "already-checked-in") for r in responses if r.status_code != 200
        )
        settle(live, factory.engine)
        with factory.session() as s:
            attended = s.execute(
                select(func.count()).where(EventAttendance.event_id == ev["id"])
            ).scalar_one()
            rows = list(
                s.execute(
                    select(LedgerEntry.amount).where(
                        LedgerEntry.member_id == reader.id, LedgerEntry.rule_code == PROGRAMME_EVENT
                    )
                ).scalars()
            )
        assert attended == 1 and rows == [15]

        guesser = factory.member(palu)
        gh = now_factory.headers(guesser)
        wrong = [
            {
                "method": "POST",
                "url": "/v1/events/check-in",
                "json": {"code": "ZZZZ2222"},
                "headers": gh,
            }
            for _ in range(24)
        ]
        guesses = fire(live, wrong)
        assert_no_5xx(guesses, live)
        assert sum(is_problem(r, 404, "unknown-code") for r in guesses) == 10
        assert sum(is_problem(r, 429, "too-many-guesses") for r in guesses) == 14
        settle(live, factory.engine)
        with factory.session() as s:
            failures = s.execute(
                select(func.count()).where(CheckInFailure.member_id == guesser.id)
            ).scalar_one()
        assert failures == 10
    with factory.session() as s:
        assert ledger.mismatches(s) == []
    assert_clean_log(live)


def test_one_vote_per_member(live, factory, now_factory):
    palu = factory.library("palu")
    staff_h = now_factory.headers(factory.staff(palu))
    for _ in range(ROUNDS):
        r = httpx.post(
            f"{live.url}/v1/polls",
            json={"question": "Buku berikutnya?", "options": [{"text": "A"}, {"text": "B"}]},
            headers=staff_h,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        poll = r.json()
        voter = factory.member(palu)
        auth = now_factory.headers(voter)
        calls = [
            {
                "method": "POST",
                "url": f"/v1/polls/{poll['id']}/vote",
                "json": {"option": i % 2},
                "headers": auth,
            }
            for i in range(16)
        ]
        responses = fire(live, calls)
        assert_no_5xx(responses, live)
        assert sum(r.status_code == 200 for r in responses) == 1
        assert all(is_problem(r, 409, "already-voted") for r in responses if r.status_code != 200)
        settle(live, factory.engine)
        with factory.session() as s:
            votes = s.execute(
                select(func.count()).where(PollVote.poll_id == poll["id"])
            ).scalar_one()
        assert votes == 1
    assert_clean_log(live)


def test_one_quiz_submission_when_one_try_is_allowed(live, factory, now_factory):
    palu = factory.library("palu")
    staff_h = now_factory.headers(factory.staff(palu))
    book = httpx.post(
        f"{live.url}/v1/books", json={"title": "Ronggeng Dukuh Paruk"}, headers=staff_h, timeout=10
    ).json()
    for _ in range(ROUNDS):
        r = httpx.post(
            f"{live.url}/v1/quizzes",
            json={
                "title": "Kuis Serentak",
                "book_id": book["id"],
                "points": 40,
                "questions": [
                    {
                        "text": "Siapa Srintil?",
                        "options": [{"text": "Penari"}, {"text": "Guru"}],
                        "correct": [0],
                    }
                ],
            },
            headers=staff_h,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        quiz = r.json()
        reader = factory.member(palu)
        auth = now_factory.headers(reader)
        calls = [
            {
                "method": "POST",
                "url": f"/v1/quizzes/{quiz['id']}/submissions",
                "json": {"answers": [[0]]},
                "headers": auth,
            }
            for _ in range(16)
        ]
        responses = fire(live, calls)
        assert_no_5xx(responses, live)
        assert sum(r.status_code == 200 for r in responses) == 1
        assert all(r.status_code == 409 for r in responses if r.status_code != 200)
        settle(live, factory.engine)
        with factory.session() as s:
            attempts = s.execute(
                select(func.count()).where(QuizAttempt.quiz_id == quiz["id"])
            ).scalar_one()
            rows = list(
                s.execute(
                    select(LedgerEntry.amount).where(
                        LedgerEntry.member_id == reader.id, LedgerEntry.rule_code == PROGRAMME_QUIZ
                    )
                ).scalars()
            )
        assert attempts == 1 and rows == [40]
    with factory.session() as s:
        assert ledger.mismatches(s) == []
    assert_clean_log(live)


def test_a_drawing_is_frozen_and_drawn_once(live, factory, now_factory):
    palu = factory.library("palu")
    staff_h = now_factory.headers(factory.staff(palu))
    for _ in range(6):
        factory.member(palu)
    for _ in range(ROUNDS):
        r = httpx.post(
            f"{live.url}/v1/drawings",
            json={"title": "Undian Serentak", "winners": 2},
            headers=staff_h,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        d = r.json()
        for step, slug in (("freeze", "already-frozen"), ("draw", "already-drawn")):
            url = f"/v1/drawings/{d['id']}/{step}"
            responses = fire(live, [{"method": "POST", "url": url, "headers": staff_h}] * 12)
            assert_no_5xx(responses, live)
            assert sum(r.status_code == 200 for r in responses) == 1
            assert all(is_problem(r, 409, slug) for r in responses if r.status_code != 200)
        settle(live, factory.engine)
        with factory.session() as s:
            entries = s.execute(
                select(func.count()).where(DrawingEntry.drawing_id == d["id"])
            ).scalar_one()
            winners = s.execute(
                select(func.count()).where(DrawingWinner.drawing_id == d["id"])
            ).scalar_one()
        assert (entries, winners) == (6, 2)
    assert_clean_log(live)
