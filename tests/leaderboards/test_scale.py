"""The caller's own rank at position 5,000, with ties and opted-out members around it."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import keys
from app.leaderboards import ranks as ranks_
from app.models.leaderboard import BoardScore
from app.models.member import Member
from tests.leaderboards.conftest import ranks

ABOVE = 4_999  # members with more points than the caller: the caller ranks 5,000th
TIED = 150
BELOW = 1_000
HIDDEN = 50  # opted-out members with the most points of all


@pytest.fixture
def crowd(factory, clock, index):
    lib = factory.library("palu")
    caller = factory.member(lib)
    now = clock.now()
    board = keys.library_board(lib.id, "week", local_date(now, lib.timezone))

    def people(n, **kw):
        return [
            {
                "library_id": lib.id,
                "role": "member",
                "display_name": f"Pembaca Massal {i}",
                "birth_year": 1990,
                "created_at": now,
                **kw,
            }
            for i in range(n)
        ]

    with transaction(factory.engine) as s:
        s.execute(insert(Member), people(ABOVE + TIED + BELOW))
        s.execute(insert(Member), people(HIDDEN, leaderboard_opt_out=True))
        ids = list(
            s.execute(select(Member.id).where(Member.id != caller.id).order_by(Member.id)).scalars()
        )
        above, tied = ids[:ABOVE], ids[ABOVE : ABOVE + TIED]
        below, hidden = ids[ABOVE + TIED : -HIDDEN], ids[-HIDDEN:]
        points = (
            # The 9th to 12th best tie, so the top 10 cuts through a tie.
            [(m, 20_000 - (min(i, 8) if i < 12 else i)) for i, m in enumerate(above)]
            + [(m, 5_000) for m in [caller.id, *tied]]
            + [(m, 1 + i % 1_000) for i, m in enumerate(below)]
            + [(m, 30_000) for m in hidden]
        )
        rows = [
            {"board": b, "member_id": m, "points": p}
            for m, p in points
            for b in (board, keys.library_board(lib.id, "all_time", now.date()))
        ]
        s.execute(insert(BoardScore), rows)
        # Loaded in bulk, as a migration or an import would: counted by rank afresh.
        ranks_.refill(s.connection(), now.year)
    if index is not None:
        with transaction(factory.engine, write=False) as s:
            index.rebuild_library(s, lib.id, local_date(now, lib.timezone))
    return caller, above, tied


def test_own_rank_at_position_5000(board, crowd, factory):
    caller, above, tied = crowd
    body = board(caller)
    assert body["me"] == {
        "rank": 5_000,
        "member_id": caller.id,
        "name": caller.display_name,
        "points": 5_000,
        "is_me": True,
    }
    assert body["total_ranked"] == ABOVE + 1 + TIED + BELOW
    best = [(i + 1, above[i], 20_000 - i) for i in range(8)]
    assert ranks(body) == [*best, (9, above[8], 19_992), (9, above[9], 19_992)]
    assert ranks(board(caller, period="all_time")) == ranks(body)
    # A member tied with the caller shares the rank.
    with factory.session() as s:
        last_tied = s.get(Member, tied[-1])
    assert board(last_tied)["me"]["rank"] == 5_000
    # The full-size page: the opted-out are nowhere in it.
    page = board(caller, limit=100)
    assert [e["rank"] for e in page["entries"]][8:13] == [9, 9, 9, 9, 13]
    assert len(page["entries"]) == 100
    assert board(staff_of(caller, factory), age_group="kids")["me"] is None


def staff_of(member, factory):
    """A staff member of the member's library (who may see the children's board)."""
    from app.models.library import Library

    with factory.session() as s:
        lib = s.get(Library, member.library_id)
    return factory.staff(lib)
