"""The rank counts answer exactly what one pass over the board's members answers.

Members of every kind (children, teens, adults, staff, opted out, with schools) gain and
lose points through the ledger, change their profiles through the API, and the year
turns: after each step, every member's standing on every board, for every population a
board can ask about, equals the scan's.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import feed, keys, ranks, rebuild, store
from app.models.leaderboard import BoardRank, BoardScore
from app.models.member import KIDS_MAX_AGE, TEENS_MAX_AGE, Member
from app.services import ledger


def _filters(year: int, school: str | None) -> list[store.Filters]:
    kids = keys.birth_years("kids", year)
    teens = keys.birth_years("teens", year)
    adults = keys.birth_years("adults", year)
    out = []
    for with_staff in (False, True):
        for lo, hi in ((None, None), kids, teens, adults, (None, year - KIDS_MAX_AGE - 1)):
            out.append(store.Filters(lo, hi, None, with_staff))
            out.append(store.Filters(lo, hi, school, with_staff))
    return out


def _check(factory, year: int) -> int:
    checked = 0
    with factory.session() as s:
        boards = sorted(set(s.execute(select(BoardScore.board)).scalars()))
        members = list(s.execute(select(Member.id)).scalars())
        for board in boards:
            for f in _filters(year, "SD Inpres 2"):
                for member_id in members:
                    want = store._standing_by_scan(s, board, member_id, f)
                    got = store.standing(s, board, member_id, f, year)
                    assert got == want, (board, f, member_id)
                    checked += 1
    return checked


# First in this file on purpose: a board's version statement is made on first use, once
# per process, so the first test to read a version is the one that checks how it is made.
def test_a_boards_version_counts_the_writes_that_moved_it_and_nothing_else(factory, award):
    # The version tells a process keeping a board's top in memory what it has missed:
    # one per write that moved the board's counters, whoever wrote; other boards' writes,
    # the rank counts and profile changes are not in it.
    lib = factory.library("palu")
    other = factory.library("sigi")
    a, b = factory.member(lib), factory.member(lib, age=15)
    outsider = factory.member(other)
    award(a, 10)
    award(a, 5)
    award(b, 3)
    award(outsider, 7)
    ours = f"lib:{lib.id}:all"
    theirs = f"lib:{other.id}:all"
    with factory.session() as s:
        assert ranks.version(s, ours) == 3
        assert ranks.version(s, theirs) == 1
        assert ranks.version(s, "lib:0:all") == 0  # never moved
        # A rebuild's snapshot reads them 500 boards at a time: boards at either end of
        # a chunk are read, boards never moved and boards not asked for are left out.
        asked = [f"lib:0:x{i}" for i in range(1002)]
        asked[500], asked[1001] = ours, theirs
        assert ranks.versions(s, asked) == {ours: 3, theirs: 1}
        assert ranks.versions(s, [theirs]) == {theirs: 1}


def test_rank_counts_equal_the_scan_through_profile_changes_and_new_year(
    client, factory, award, clock
):
    rnd = random.Random(7)
    lib = factory.library("palu")
    people = [
        *(factory.member(lib, age=a) for a in (8, 12, 12, 13, 15, 17, 17, 18, 19, 30, 45)),
        factory.member(lib, age=10, school="SD Inpres 2"),
        factory.member(lib, age=16, school="SD Inpres 2"),
        factory.member(lib, age=40, leaderboard_opt_out=True),
        factory.staff(lib),
    ]
    for _ in range(60):
        who = rnd.choice(people)
        award(who, rnd.choice([rnd.randint(1, 40), rnd.randint(30, 2_000), -rnd.randint(1, 20)]))
    year = local_date(clock.now(), lib.timezone).year
    assert _check(factory, year) > 0
    # Profiles move members between sets: a school, opting out and back in.
    for who, change in (
        (people[9], {"school": "SD Inpres 2"}),
        (people[11], {"school": "SMP 1 Palu"}),
        (people[3], {"leaderboard_opt_out": True}),
        (people[13], {"leaderboard_opt_out": False}),
    ):
        r = client.patch("/v1/me", json=change, headers=factory.headers(who))
        assert r.status_code == 200, r.text
    for who in people:
        award(who, rnd.randint(1, 50))
    _check(factory, year)
    # 1 January in Palu: a 12-year-old is a teen now, a 17-year-old an adult, and the
    # counts say so at once, for boards nobody has written to since.
    clock.set(datetime(year, 12, 31, 16, 30, tzinfo=UTC))
    assert year + 1 - people[1].birth_year == KIDS_MAX_AGE + 1
    assert year + 1 - people[5].birth_year == TEENS_MAX_AGE + 1
    _check(factory, year + 1)
    for who in people[:6]:
        award(who, rnd.randint(1, 50))
    _check(factory, year + 1)


def test_a_recount_rebuilds_counts_the_scan_agrees_with_and_keeps_versions(factory, award, clock):
    rnd = random.Random(11)
    lib = factory.library("palu")
    other = factory.library("sigi")
    people = [
        *(factory.member(lib, age=a) for a in (9, 12, 14, 17, 18, 19, 30)),
        factory.member(lib, age=11, school="SD Inpres 2"),
        factory.member(lib, age=35, school="SD Inpres 2"),
        factory.member(lib, age=40, leaderboard_opt_out=True),
        factory.staff(lib),
    ]
    outsider = factory.member(other, age=20)
    for who in people * 3:
        award(who, rnd.randint(1, 900))
    award(outsider, 70)
    year = local_date(clock.now(), lib.timezone).year
    with factory.session() as s:
        boards = sorted(set(s.execute(select(BoardScore.board)).scalars()))
        before = {b: ranks.version(s, b) for b in boards}
    assert all(before.values())
    with transaction(factory.engine) as s:
        rebuild.recount(s, lib.id)
    assert _check(factory, year) > 0
    with factory.session() as s:
        # a recount moves no version (a kept top stays the database's), and a board
        # nobody has written to is left out
        assert ranks.versions(s, [*boards, "lib:0:all"]) == before
        assert {b: ranks.version(s, b) for b in boards} == before
    award(people[0], 5)
    with factory.session() as s:
        after = ranks.versions(s, boards)
    moved = [b for b in boards if after[b] != before[b]]
    assert moved and all(after[b] == before[b] + 1 for b in moved)
    # the recount placed every counter where the next write looks for it
    for who in people:
        award(who, rnd.randint(1, 50))
    _check(factory, year)


def test_age_groups_are_counted_by_birth_year_without_a_scan():
    # Birth years from 17 years back are whole cohorts (counted on every write since
    # they were born): an age group within them is read from the counts; one reaching
    # further back is not (the caller scans the board instead).
    year = 2026
    floor = year - 17

    def weights(lo, hi, in_year=year):
        return ranks.Population(("m",), "", lo, hi, in_year).weights()

    assert weights(None, None) == (1, 0, 0, 0)
    assert weights(floor, floor + 4) == (0, 1, floor, floor + 4)
    assert weights(floor, None) == (0, 1, floor, ranks.TOP)
    assert weights(floor - 1, floor + 4) is None
    assert weights(None, floor - 1) == (1, -1, floor, ranks.TOP)  # everyone but the young
    assert weights(None, floor - 2) is None
    now = datetime.now(UTC).year
    assert weights(now - 17, None, 0) == (0, 1, now - 17, ranks.TOP)
    assert weights(now - 18, None, 0) is None
    for group in ("kids", "teens"):
        lo, hi = keys.birth_years(group, year)
        assert weights(lo, hi) == (0, 1, lo, ranks.TOP if hi is None else hi)
    lo, hi = keys.birth_years("adults", year)
    assert lo is None and hi is not None and weights(lo, hi) == (1, -1, hi + 1, ranks.TOP)


def _standing(factory, board: str, member, filters: store.Filters, year: int):
    """The member's standing from the rank counts, checked against one pass over the board."""
    with factory.session() as s:
        got = store.standing(s, board, member.id, filters, year)
        assert got == store._standing_by_scan(s, board, member.id, filters)
        own = store.points_of(s, board, member.id)
        # read from the counts, not by a scan
        assert store.rank_counts(s, board, own, filters, year) == got[1:]
    return got


def test_a_member_with_one_point_is_ranked_and_a_long_time_reader_is_above_everyone(
    factory, award, clock
):
    lib = factory.library("palu")
    one, some, many = (factory.member(lib) for _ in range(3))
    award(one, 1)
    award(some, 10)
    award(many, 40_000)  # beyond the coarsest level's first block (32768 points)
    board = f"lib:{lib.id}:all"
    year = local_date(clock.now(), lib.timezone).year
    everyone = store.Filters()
    assert _standing(factory, board, one, everyone, year) == (1, 2, 3)
    assert _standing(factory, board, some, everyone, year) == (10, 1, 3)
    assert _standing(factory, board, many, everyone, year) == (40_000, 0, 3)


def test_a_school_with_a_bar_in_its_name_is_ranked_like_any_other(factory, award, clock):
    lib = factory.library("palu")
    school = "SD 1 | SD 2 Palu"
    a = factory.member(lib, age=10, school=school)
    b = factory.member(lib, age=30, school=school)
    c = factory.member(lib, school="SMP 3 Palu")
    for who, points in ((a, 20), (b, 30), (c, 50), (a, 5)):
        award(who, points)
    year = local_date(clock.now(), lib.timezone).year
    board = f"lib:{lib.id}:all"
    assert _standing(factory, board, a, store.Filters(school=school), year) == (25, 1, 2)
    kids = keys.birth_years("kids", year)
    assert _standing(factory, board, a, store.Filters(*kids, school), year) == (25, 0, 1)
    assert _standing(factory, board, a, store.Filters(), year) == (25, 2, 3)


def test_a_teen_logging_on_new_years_eve_west_of_utc_counts_among_the_teens(factory, award, clock):
    # In Lima it is still 31 December when UTC has turned the year: the 17-year-old is a
    # teen there until midnight, and ranked among the teens.
    lib = factory.library("lima", timezone="America/Lima")
    older = factory.member(lib, age=17)  # born 18 years before next year
    younger = factory.member(lib, age=14)
    adult = factory.member(lib, age=30)
    year = clock.now().year
    clock.set(datetime(year + 1, 1, 1, 3, 0, tzinfo=UTC))
    assert local_date(clock.now(), lib.timezone).year == year
    award(older, 100)
    award(younger, 50)
    award(adult, 70)
    board = f"lib:{lib.id}:all"
    teens = store.Filters(*keys.birth_years("teens", year))
    assert older.birth_year == teens.birth_year_min
    assert _standing(factory, board, younger, teens, year) == (50, 1, 2)
    assert _standing(factory, board, older, teens, year) == (100, 0, 2)
    adults = store.Filters(*keys.birth_years("adults", year))
    assert _standing(factory, board, adult, adults, year) == (70, 0, 1)


def test_a_move_whose_write_returned_no_rows_is_counted_from_the_rows_read_back(
    client, factory, clock
):
    # A writer of the counters may leave their rows out (`seen`): settling then reads the
    # member's rows on the boards moved, and only those.
    lib = factory.library("palu")
    a, b = factory.member(lib, age=15), factory.member(lib, age=40)
    year = local_date(clock.now(), lib.timezone).year
    day = local_date(clock.now(), lib.timezone)
    boards = keys.day_boards(lib.id, day)
    for who, points in ((a, 30), (b, 20), (a, 15)):
        with transaction(factory.engine) as s:
            m = s.get(Member, who.id)
            assert m is not None
            deltas = {boards[0]: points, boards[1]: points}
            store.add(s, who.id, deltas, ranks.placements(ranks.facts_of(m), deltas, year))
            feed.publish_after_commit(s, m, deltas, clock.now())
    for board in boards[:2]:
        assert _standing(factory, board, a, store.Filters(), year) == (45, 0, 2)
        assert _standing(factory, board, b, store.Filters(), year) == (20, 1, 2)
        teens = store.Filters(*keys.birth_years("teens", year))
        assert _standing(factory, board, a, teens, year) == (45, 0, 1)
    # the board nobody moved has no counts at all
    assert _standing(factory, boards[2], b, store.Filters(), year) == (None, 0, 0)
    # A profile change re-places every counter of the member at once, before any write:
    # an opted-out member leaves the counts, a new school is counted there.
    r = client.patch("/v1/me", json={"leaderboard_opt_out": True}, headers=factory.headers(a))
    assert r.status_code == 200, r.text
    assert _standing(factory, boards[0], b, store.Filters(), year) == (20, 0, 1)
    r = client.patch("/v1/me", json={"school": "SMA 1 Palu"}, headers=factory.headers(b))
    assert r.status_code == 200, r.text
    school = store.Filters(school="SMA 1 Palu")
    assert _standing(factory, boards[0], b, school, year) == (20, 0, 1)


def _book(s, member_id: int, points: int, day, now) -> None:
    """Book points through the ledger inside the caller's transaction."""
    m = s.get(Member, member_id)
    assert m is not None
    ledger.append(s, m, [ledger.Row("reading.pages", points)], day=day, now=now)


def test_several_writes_of_several_members_in_one_transaction_are_all_counted(factory, clock):
    # One transaction may move a member twice (the later write's rows are the newer), may
    # take back what it gave (nothing to count for that member), and may move others
    # after them: every member's counts are settled at the commit.
    lib = factory.library("palu")
    net_zero, gains, twice = (factory.member(lib, age=a) for a in (15, 40, 14))
    day = local_date(clock.now(), lib.timezone)
    year = day.year
    with transaction(factory.engine) as s:
        _book(s, net_zero.id, 5, day, clock.now())
        _book(s, net_zero.id, -5, day, clock.now())
        _book(s, gains.id, 9, day, clock.now())
        _book(s, twice.id, 7, day, clock.now())
        _book(s, twice.id, 3, day, clock.now())
    teens = store.Filters(*keys.birth_years("teens", year))
    for board in keys.day_boards(lib.id, day):
        assert _standing(factory, board, gains, store.Filters(), year) == (9, 1, 2)
        assert _standing(factory, board, twice, store.Filters(), year) == (10, 0, 2)
        assert _standing(factory, board, twice, teens, year) == (10, 0, 1)
        assert _standing(factory, board, net_zero, store.Filters(), year) == (0, 2, 2)


def test_a_write_that_returned_no_rows_after_one_that_did_is_counted_from_the_database(
    factory, clock
):
    # In one transaction the ledger books a member's points (its rows come back) and
    # another writer moves the same counters without returning them: the rows the first
    # write returned are stale, so settling reads the member's rows back.
    lib = factory.library("palu")
    a, b = factory.member(lib), factory.member(lib)
    day = local_date(clock.now(), lib.timezone)
    year = day.year
    boards = keys.day_boards(lib.id, day)
    with transaction(factory.engine) as s:
        _book(s, b.id, 40, day, clock.now())
    with transaction(factory.engine) as s:
        _book(s, a.id, 30, day, clock.now())
        m = s.get(Member, a.id)
        assert m is not None
        deltas = dict.fromkeys(boards, 15)
        store.add(s, a.id, deltas, ranks.placements(ranks.facts_of(m), deltas, year))
        feed.publish_after_commit(s, m, deltas, clock.now())
    for board in boards:
        assert _standing(factory, board, a, store.Filters(), year) == (45, 0, 2)
        assert _standing(factory, board, b, store.Filters(), year) == (40, 1, 2)


def test_counters_are_placed_by_the_year_of_the_booking_not_the_hosts(factory, award, clock):
    # A member is counted by birth year as of the year the points are booked in (the
    # app's clock), not the year of the machine that runs it: in 2000, a 15-year-old is
    # among the teens the counts read, whatever year the host thinks it is.
    clock.set(datetime(2000, 6, 1, 2, 0, tzinfo=UTC))
    lib = factory.library("palu")
    teen, other = factory.member(lib, age=15), factory.member(lib, age=16)
    award(teen, 20)
    award(other, 30)
    year = local_date(clock.now(), lib.timezone).year
    assert year == 2000 and teen.birth_year == 1985
    teens = store.Filters(*keys.birth_years("teens", year))
    board = f"lib:{lib.id}:all"
    assert _standing(factory, board, teen, teens, year) == (20, 1, 2)
    assert _standing(factory, board, other, teens, year) == (30, 0, 2)


def test_members_passing_each_other_in_one_transaction_are_counted_where_they_end(factory, clock):
    # One transaction moves a member onto the score another member leaves: both moves
    # count. Their ids are a stripe apart, so both writes bump the same version row.
    lib = factory.library("palu")
    people = [factory.member(lib) for _ in range(ranks.STRIPES + 1)]
    climber, leaver, stays = people[0], people[ranks.STRIPES], people[1]
    assert (leaver.id - climber.id) % ranks.STRIPES == 0
    day = local_date(clock.now(), lib.timezone)
    year = day.year
    with transaction(factory.engine) as s:
        _book(s, leaver.id, 10, day, clock.now())
        _book(s, stays.id, 5, day, clock.now())
    with transaction(factory.engine) as s:
        _book(s, climber.id, 10, day, clock.now())  # onto the 10 points leaver leaves
        _book(s, leaver.id, 5, day, clock.now())
    board = f"lib:{lib.id}:all"
    assert _standing(factory, board, stays, store.Filters(), year) == (5, 2, 3)
    assert _standing(factory, board, climber, store.Filters(), year) == (10, 1, 3)
    assert _standing(factory, board, leaver, store.Filters(), year) == (15, 0, 3)
    with factory.session() as s:
        assert ranks.version(s, board) == 4  # one per write, in one transaction or not


def test_a_profile_change_moves_the_member_from_where_their_points_were(
    client, factory, award, clock
):
    # A new school re-places the member's counters at the points they hold: the member
    # just below them still has exactly one member above.
    lib = factory.library("palu")
    mover, below, last = (factory.member(lib) for _ in range(3))
    for who, points in ((mover, 20), (below, 19), (last, 3)):
        award(who, points)
    r = client.patch("/v1/me", json={"school": "SMA 1 Palu"}, headers=factory.headers(mover))
    assert r.status_code == 200, r.text
    year = local_date(clock.now(), lib.timezone).year
    board = f"lib:{lib.id}:all"
    assert _standing(factory, board, below, store.Filters(), year) == (19, 1, 3)
    assert _standing(factory, board, last, store.Filters(), year) == (3, 2, 3)
    school = store.Filters(school="SMA 1 Palu")
    assert _standing(factory, board, mover, school, year) == (20, 0, 1)


def _counted(factory) -> list[tuple]:
    """Every non-zero rank count row (versions left out)."""
    with factory.session() as s:
        found = s.execute(
            select(
                BoardRank.board,
                BoardRank.cls,
                BoardRank.school,
                BoardRank.cohort,
                BoardRank.lvl,
                BoardRank.key,
                BoardRank.n,
            ).where(BoardRank.n != 0, BoardRank.cls.not_in([ranks.VERSION, ranks.LISTING]))
        )
        return sorted(tuple(r) for r in found)


def test_one_transaction_moving_hundreds_of_counts_moves_each_once(factory, clock):
    # Settling writes the counts 200 rows a statement: with more, every row is still
    # moved exactly once, as a recount from scratch finds them.
    lib = factory.library("palu")
    people = [factory.member(lib, age=13 + i % 5, school="SMP 2 Palu") for i in range(10)]
    day = local_date(clock.now(), lib.timezone)
    with transaction(factory.engine) as s:
        for i, who in enumerate(people):
            _book(s, who.id, 40 * i + 3, day, clock.now())
    moved = _counted(factory)
    assert len(moved) > 200
    with transaction(factory.engine) as s:
        rebuild.recount(s, lib.id)
    assert _counted(factory) == moved
