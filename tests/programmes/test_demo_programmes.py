"""Demo data: each demo library gains an upcoming event, a quiz and an open poll; twice."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.db import transaction
from app.demo import load_demo
from app.models.events import Event
from app.models.quizzes import Poll, Quiz


def test_each_demo_library_shows_an_event_a_quiz_and_a_poll(client, engine, clock):
    for _ in range(2):
        with transaction(engine) as s:
            load_demo(s, "bacaquest-demo", clock.now())
    with transaction(engine, write=False) as s:
        for model in (Event, Quiz, Poll):
            per_library = dict(
                s.execute(select(model.library_id, func.count()).group_by(model.library_id)).all()
            )
            assert sorted(per_library.values()) == [1] * 5, model
    r = client.post(
        "/v1/auth/token",
        data={"username": "teen.palu@bacaquest.demo", "password": "bacaquest-demo"},
    )
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    events = client.get("/v1/events", headers=h).json()["items"]
    assert len(events) == 1 and events[0]["starts_at"] > clock.now().isoformat()
    quizzes = client.get("/v1/quizzes", headers=h).json()["items"]
    assert len(quizzes) == 1 and len(quizzes[0]["questions"]) == 3
    polls = client.get("/v1/polls", headers=h).json()["items"]
    assert len(polls) == 1 and polls[0]["closed"] is False
