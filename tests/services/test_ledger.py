"""The points ledger on its own: the rows written, the totals moved beside them, and how a
member reads them back (summary, pages, per log) and how a mismatch is found."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.core.clock import local_date
from app.core.db import transaction
from app.leaderboards import keys
from app.models.analytics import ActivityDay
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry
from app.services import ledger
from app.services.ledger import Row
from tests.factories import november_challenge


@pytest.fixture
def reader(factory):
    return factory.member(factory.library("palu"))


def book(factory, member, rows, **kw):
    today = local_date(factory.clock.now(), "Asia/Makassar")
    with transaction(factory.engine) as s:
        m = s.get(Member, member.id)
        return ledger.append(s, m, rows, day=kw.pop("day", today), now=factory.clock.now(), **kw)


def totals(factory, member):
    with factory.session() as s:
        return ledger.totals(s, member.id)


def rows_of(factory, member):
    with factory.session() as s:
        stmt = select(LedgerEntry).where(LedgerEntry.member_id == member.id)
        return list(s.execute(stmt.order_by(LedgerEntry.id)).scalars())


def all_time_points(factory, member):
    day = local_date(factory.clock.now(), "Asia/Makassar")
    board = keys.library_board(member.library_id, "all_time", day)
    with factory.session() as s:
        return s.execute(
            select(BoardScore.points).where(
                BoardScore.board == board, BoardScore.member_id == member.id
            )
        ).scalar_one_or_none()


def library_day_points(factory, member):
    with factory.session() as s:
        cells = s.execute(
            select(ActivityDay.points_reading, ActivityDay.points_bonus).where(
                ActivityDay.library_id == member.library_id, ActivityDay.challenge_id == 0
            )
        ).all()
    return sum(r for r, _ in cells), sum(b for _, b in cells)


def test_append_writes_each_row_as_given_and_moves_the_total_by_their_sum(factory, reader):
    today = local_date(factory.clock.now(), "Asia/Makassar")
    booked = book(
        factory,
        reader,
        [Row("reading.pages", 40, log_id=None), Row("bonus.finished", 20), Row("bonus.badge", 5)],
    )
    assert [b.amount for b in booked] == [40, 20, 5]
    assert [b.rule_code for b in booked] == ["reading.pages", "bonus.finished", "bonus.badge"]
    assert booked[0].id < booked[1].id < booked[2].id
    written = rows_of(factory, reader)
    assert [(r.id, r.rule_code, r.amount) for r in written] == [
        (b.id, b.rule_code, b.amount) for b in booked
    ]
    for r in written:
        assert r.member_id == reader.id
        assert r.library_id == reader.library_id
        assert r.day == today
        assert r.reverses_id is None
        assert r.created_at.replace(tzinfo=None) == factory.clock.now().replace(tzinfo=None)
    assert totals(factory, reader).model_dump() == {"total": 65, "pending": 0}
    assert all_time_points(factory, reader) == 65
    assert library_day_points(factory, reader) == (40, 25)


def test_zero_point_rows_are_not_written_and_nothing_moves_for_none(factory, reader):
    assert book(factory, reader, [Row("bonus.streak", 0)]) == []
    assert rows_of(factory, reader) == []
    booked = book(factory, reader, [Row("bonus.streak", 0), Row("reading.pages", 7)])
    assert [(b.rule_code, b.amount) for b in booked] == [("reading.pages", 7)]
    assert [r.amount for r in rows_of(factory, reader)] == [7]
    assert totals(factory, reader).total == 7


def test_rows_keep_their_log_badge_and_challenge(factory, reader, client):
    h = factory.headers(reader)
    log = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Bumi", "author": "Tere Liye"}, "pages": 3},
        headers=h,
    ).json()["log"]
    before = {r.id for r in rows_of(factory, reader)}
    booked = book(factory, reader, [Row("bonus.badge", 9, log_id=log["id"])])
    (row,) = [r for r in rows_of(factory, reader) if r.id not in before]
    assert (row.log_id, row.badge_id, row.challenge_id) == (log["id"], None, None)
    assert booked[0].log_id == log["id"]


def test_a_caller_may_move_the_total_and_the_day_itself(factory, reader):
    book(factory, reader, [Row("reading.pages", 30)], move_total=False, roll_up=False)
    assert [r.amount for r in rows_of(factory, reader)] == [30]
    assert totals(factory, reader).total == 0
    assert library_day_points(factory, reader) == (0, 0)
    assert all_time_points(factory, reader) == 30  # the boards move all the same


def test_add_points_moves_total_and_pending_apart_either_way(factory, reader):
    with transaction(factory.engine) as s:
        ledger.add_points(s, reader.id, pending=1)
    assert totals(factory, reader).model_dump() == {"total": 0, "pending": 1}
    with transaction(factory.engine) as s:
        ledger.add_points(s, reader.id, total=1)
    assert totals(factory, reader).model_dump() == {"total": 1, "pending": 1}
    with transaction(factory.engine) as s:
        ledger.add_points(s, reader.id, total=5, pending=12)
    assert totals(factory, reader).model_dump() == {"total": 6, "pending": 13}
    with transaction(factory.engine) as s:
        ledger.add_points(s, reader.id, total=-2, pending=-13)
    assert totals(factory, reader).model_dump() == {"total": 4, "pending": 0}
    other = factory.member(factory.library())
    assert totals(factory, other).model_dump() == {"total": 0, "pending": 0}


def test_the_summary_splits_reading_from_bonus_and_sums_each_rule(client, factory, reader):
    book(factory, reader, [Row("reading.pages", 40), Row("reading.minutes", 6)])
    book(factory, reader, [Row("bonus.finished", 20), Row("reading.pages", -10)])
    with transaction(factory.engine) as s:
        ledger.add_points(s, reader.id, pending=8)
    points = client.get("/v1/me/points", headers=factory.headers(reader)).json()
    assert points == {
        "total": 56,
        "pending": 8,
        "reading": 36,
        "bonus": 20,
        "by_rule": {"bonus.finished": 20, "reading.minutes": 6, "reading.pages": 30},
    }
    stranger = factory.member(factory.library())
    book(factory, stranger, [Row("reading.pages", 99)])
    again = client.get("/v1/me/points", headers=factory.headers(reader)).json()
    assert again == points


def test_the_ledger_pages_newest_first_and_names_each_row_s_kind(client, factory, reader):
    h = factory.headers(reader)
    amounts = [1, 2, 3, 4, 5]
    for n in amounts:
        book(factory, reader, [Row("reading.pages" if n % 2 else "bonus.streak", n)])
    book(factory, factory.member(factory.library()), [Row("reading.pages", 50)])
    first = client.get("/v1/me/points/ledger", params={"limit": 2}, headers=h).json()
    second = client.get(
        "/v1/me/points/ledger", params={"limit": 2, "cursor": first["next_cursor"]}, headers=h
    ).json()
    third = client.get(
        "/v1/me/points/ledger", params={"limit": 2, "cursor": second["next_cursor"]}, headers=h
    ).json()
    seen = first["items"] + second["items"] + third["items"]
    assert [r["amount"] for r in seen] == amounts[::-1]
    assert [len(first["items"]), len(second["items"]), len(third["items"])] == [2, 2, 1]
    assert third["next_cursor"] is None
    assert [r["kind"] for r in seen] == ["reading", "bonus", "reading", "bonus", "reading"]
    assert [r["id"] for r in seen] == [r.id for r in rows_of(factory, reader)][::-1]
    whole = client.get("/v1/me/points/ledger", params={"limit": 5}, headers=h).json()
    assert [r["amount"] for r in whole["items"]] == amounts[::-1]
    assert whole["next_cursor"] is None


def test_net_by_rule_sums_one_log_s_rows_and_nothing_else(client, factory, reader):
    h = factory.headers(reader)
    body = {"book": {"title": "Bumi", "author": "Tere Liye"}, "pages": 12}
    first = client.post("/v1/reading-logs", json=body, headers=h).json()["log"]["id"]
    second = client.post("/v1/reading-logs", json=body, headers=h).json()["log"]["id"]
    book(
        factory,
        reader,
        [
            Row("reading.pages", -4, log_id=first),
            Row("bonus.finished", 20, log_id=first),
            Row("bonus.badge", 3),
        ],
    )
    with factory.session() as s:
        assert ledger.net_by_rule(s, log_id=first) == {"reading.pages": 8, "bonus.finished": 20}
        assert ledger.net_by_rule(s, log_id=second) == {"reading.pages": 12}


def test_mismatches_name_the_members_whose_total_is_not_their_ledger(factory, reader):
    kept = factory.member(reader_library := factory.library())
    idle = factory.member(reader_library)
    book(factory, reader, [Row("reading.pages", 10)])
    book(factory, kept, [Row("reading.pages", 4)])
    with factory.session() as s:
        assert ledger.mismatches(s) == []
    with transaction(factory.engine) as s:
        s.execute(update(Member).where(Member.id == reader.id).values(points_total=13))
        s.execute(update(Member).where(Member.id == idle.id).values(points_total=2))
    with factory.session() as s:
        assert ledger.mismatches(s) == [(reader.id, 10, 13), (idle.id, 0, 2)]


def test_rows_booked_elsewhere_take_the_ids_given_in_order(factory, reader):
    day = date(2026, 11, 17)
    now = factory.clock.now()
    rows = [Row("reading.pages", 5), Row("bonus.streak", 0), Row("bonus.finished", 20)]
    got = ledger.booked(reader, rows, [71, 72], day=day, now=now)
    assert [(b.id, b.rule_code, b.amount) for b in got] == [
        (71, "reading.pages", 5),
        (72, "bonus.finished", 20),
    ]
    assert {(b.member_id, b.library_id, b.day, b.created_at) for b in got} == {
        (reader.id, reader.library_id, day, now)
    }
    with pytest.raises(ValueError, match="zip"):
        ledger.booked(reader, rows, [71], day=day + timedelta(days=1), now=now)


def test_each_ledger_row_names_its_log_badge_and_challenge(client, factory, reader):
    staff = factory.headers(factory.staff(factory.library()))
    badge = client.post(
        "/v1/badges",
        json={"name": "Rajin", "criteria": [{"metric": "pages", "target": 9000}]},
        headers=staff,
    ).json()["id"]
    challenge = client.post("/v1/challenges", json=november_challenge(), headers=staff).json()["id"]
    h = factory.headers(reader)
    body = {"book": {"title": "Bumi", "author": "Tere Liye"}, "pages": 12}
    log = client.post("/v1/reading-logs", json=body, headers=h).json()["log"]["id"]
    book(
        factory,
        reader,
        [Row("bonus.badge", 5, badge_id=badge), Row("bonus.challenge", 7, challenge_id=challenge)],
    )
    items = client.get("/v1/me/points/ledger", headers=h).json()["items"]
    assert [(r["rule_code"], r["log_id"], r["badge_id"], r["challenge_id"]) for r in items] == [
        ("bonus.challenge", None, None, challenge),
        ("bonus.badge", None, badge, None),
        ("reading.pages", log, None, None),
    ]
    assert [r["kind"] for r in items] == ["bonus", "bonus", "reading"]
    assert items[0]["created_at"].startswith("2026-11-17T02:00")


def test_rows_count_on_the_challenges_the_caller_names(client, factory, reader):
    staff = factory.headers(factory.staff(factory.library()))
    challenge = client.post("/v1/challenges", json=november_challenge(), headers=staff).json()["id"]
    board = keys.challenge_board(challenge)
    book(factory, reader, [Row("reading.pages", 8)], challenge_ids=[challenge])
    book(factory, reader, [Row("reading.pages", 3)])
    with factory.session() as s:
        points = s.execute(
            select(BoardScore.points).where(
                BoardScore.board == board, BoardScore.member_id == reader.id
            )
        ).scalar_one()
    assert points == 8
    assert all_time_points(factory, reader) == 11
