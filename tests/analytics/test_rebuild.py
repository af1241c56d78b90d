"""`analytics verify` finds a rollup that drifted from the logs; `rebuild` puts it right."""

from __future__ import annotations

from sqlalchemy import update

from app.analytics import backlog, rebuild
from app.models.analytics import ActivityDay, MemberTally
from tests.analytics.test_summary import NOV, get


def check(factory, world):
    with factory.session() as s:
        return list(rebuild.verify(s, world.palu))


def test_live_counters_equal_the_recount(client, factory, world):
    assert check(factory, world) == []
    before = get(client, world, "summary", **NOV).json()
    with factory.session() as s:
        written = rebuild.rebuild(s, world.palu)
        s.commit()
    assert written > 0
    assert check(factory, world) == []
    assert get(client, world, "summary", **NOV).json() == before
    assert get(client, world, "top", list="authors", **NOV).status_code == 200


def test_verify_names_a_drifted_cell_and_rebuild_repairs_it(client, factory, world):
    with factory.session() as s:
        backlog.apply_all(s)  # the logs' facts are in the rollups: one of them drifts
        s.execute(
            update(ActivityDay)
            .where(ActivityDay.library_id == world.palu.id, ActivityDay.challenge_id == 0)
            .values(pages=ActivityDay.pages + 7)
        )
        s.execute(update(MemberTally).values(members=MemberTally.members + 1))
        s.commit()
    lines = check(factory, world)
    assert any("pages" in line and "palu library" in line for line in lines)
    assert any("registrations" in line for line in lines)
    with factory.session() as s:
        rebuild.rebuild(s, world.palu)
        s.commit()
    assert check(factory, world) == []
    nov = world.logs_between(*map(__import__("datetime").date.fromisoformat, NOV.values()))
    assert get(client, world, "summary", **NOV).json()["pages"] == sum(s.pages for s in nov)


def test_a_withdrawn_log_leaves_the_figures(client, factory, world):
    logs = client.get("/v1/reading-logs", headers=world.headers["budi"]).json()["items"]
    (log,) = logs
    assert (
        client.delete(f"/v1/reading-logs/{log['id']}", headers=world.headers["budi"]).status_code
        == 204
    )
    assert check(factory, world) == []
    body = get(client, world, "summary", **NOV).json()
    assert body["logs"] == 5 and body["minutes"] == 0
