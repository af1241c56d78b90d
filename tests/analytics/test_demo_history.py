"""The demo's reading history: deterministic, idempotent, living, and every figure settled."""

from __future__ import annotations

from sqlalchemy import func, select

from app.analytics import rebuild
from app.core.db import transaction
from app.demo import load_demo
from app.demo_history import load_history
from app.models.analytics import ShareTally
from app.models.badge import BadgeAward
from app.models.challenge import ChallengeParticipant
from app.models.library import Library
from app.models.member import Member
from app.models.reading import ReadingLog
from app.services.ledger import mismatches


def test_history_is_a_living_programme_loaded_once(client, engine, clock):
    with transaction(engine) as s:
        load_demo(s, "bacaquest-demo", clock.now())
        palu = s.execute(select(Library).where(Library.slug == "palu")).scalar_one()
        staff = s.execute(
            select(Member).where(Member.email == "staff.palu@bacaquest.demo")
        ).scalar_one()
        added = load_history(s, palu, staff, staff.password_hash, clock.now(), scale=0.3)
    with transaction(engine) as s:
        palu = s.get(Library, palu.id)
        again = load_history(s, palu, staff, staff.password_hash, clock.now(), scale=0.3)
    assert added > 20 and again == 0
    with transaction(engine, write=False) as s:
        people = s.execute(
            select(
                Member.display_name, Member.nickname, Member.guardian_id, Member.birth_year
            ).where(Member.library_id == palu.id, Member.email.like("pembaca%"))
        ).all()
        kids = s.execute(
            select(func.count())
            .select_from(Member)
            .where(Member.library_id == palu.id, Member.guardian_id.is_not(None))
        ).scalar_one()
        logs = s.execute(select(func.count()).select_from(ReadingLog)).scalar_one()
        finished = s.execute(
            select(func.count()).select_from(ReadingLog).where(ReadingLog.finished)
        ).scalar_one()
        awards = s.execute(select(func.count()).select_from(BadgeAward)).scalar_one()
        completed = s.execute(
            select(func.count())
            .select_from(ChallengeParticipant)
            .where(ChallengeParticipant.completed_at.is_not(None))
        ).scalar_one()
        crawlers = s.execute(
            select(func.sum(ShareTally.count)).where(ShareTally.kind == "crawler")
        ).scalar_one()
        assert mismatches(s) == []
        assert list(rebuild.verify(s, palu)) == []
    names = [p[0] for p in people]
    assert len(set(names)) == len(names)
    assert all(p[1] and p[1] != p[0] for p in people)
    assert kids > 2 and logs > 100 and finished > 0 and awards > 0 and completed > 0
    assert crawlers and crawlers > 0
    r = client.post(
        "/v1/auth/token",
        data={"username": "staff.palu@bacaquest.demo", "password": "bacaquest-demo"},
    )
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    summary = client.get("/v1/analytics/summary", headers=h).json()
    assert summary["logs"] > 0 and summary["challenges"]
    board = client.get("/v1/analytics/top", params={"list": "readers"}, headers=h).json()
    assert board["entries"]
