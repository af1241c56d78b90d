"""Staff and administrators stay off the public boards unless their library says so,
on the database boards and on the Redis ones alike."""

from __future__ import annotations

from app.core.db import transaction
from app.leaderboards import redis_setup


def test_staff_are_listed_only_when_the_library_allows(
    board, client, factory, award, index, clock, monkeypatch
):
    # the stale board's repair runs inline: on a thread it could still be writing while
    # the test rebuilds the library itself below
    monkeypatch.setattr(redis_setup, "REPAIR_IN_BACKGROUND", False)
    palu = factory.library("palu")
    reader = factory.member(palu)
    staff = factory.staff(palu)
    award(reader, 10)
    award(staff, 40)
    seen = board(reader, scope="library", period="all_time")
    assert [e["member_id"] for e in seen["entries"]] == [reader.id]
    assert seen["total_ranked"] == 1
    own = board(staff, scope="library", period="all_time", from_redis=index is not None)
    assert own["me"]["points"] == 40 and own["me"]["rank"] == 1  # where they would stand
    r = client.patch(
        "/v1/libraries/palu", json={"staff_on_boards": True}, headers=factory.headers(staff)
    )
    assert r.status_code == 200, r.text
    # Redis was built without them: stale now, so the database answers until rebuilt
    after = board(reader, scope="library", period="all_time", from_redis=False)
    assert [e["member_id"] for e in after["entries"]] == [staff.id, reader.id]
    if index is not None:
        with transaction(factory.engine, write=False) as s:
            index.rebuild_library(s, palu.id, clock.now().date())
        rebuilt = board(reader, scope="library", period="all_time")
        assert [e["member_id"] for e in rebuilt["entries"]] == [staff.id, reader.id]
