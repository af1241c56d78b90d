"""The offline batch as one unit of work: each reader locked and read once, each item
logged with what the items before it left, oldest day first, results in the items' order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models.reading import LedgerEntry, ReadingLog

TODAY = date(2026, 11, 17)  # the suite's clock, in Indonesia


def day(back: int) -> str:
    return (TODAY - timedelta(days=back)).isoformat()


def item(cid: str, back: int = 0, pages: int = 10, **kw) -> dict:
    return {
        "client_id": cid,
        "book": {"title": f"Buku {cid}"},
        "pages": pages,
        "read_on": day(back),
        **kw,
    }


def post_batch(client, h, items):
    r = client.post("/v1/reading-logs/batch", json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def ledger_sum(factory, member_id: int) -> int:
    with factory.session() as s:
        return s.execute(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.member_id == member_id
            )
        ).scalar_one()


def logs_of(factory, member_id: int) -> int:
    with factory.session() as s:
        return s.execute(
            select(func.count()).select_from(ReadingLog).where(ReadingLog.member_id == member_id)
        ).scalar_one()


@pytest.fixture
def palu(factory):
    return factory.library("palu")


def test_results_keep_the_items_order_when_the_days_come_newest_first(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    items = [item(f"d{back}", back) for back in range(5)]  # today first, as phones send
    out = post_batch(client, h, items)
    assert [i["index"] for i in out["items"]] == [0, 1, 2, 3, 4]
    assert [i["client_id"] for i in out["items"]] == [f"d{b}" for b in range(5)]
    assert [i["result"]["log"]["read_on"] for i in out["items"]] == [day(b) for b in range(5)]
    assert all(i["outcome"] == "accepted" for i in out["items"])
    # Every point an item reports is in the ledger, and the totals say the same.
    reported = sum(a["amount"] for i in out["items"] for a in i["result"]["awards"])
    assert reported == ledger_sum(factory, reader.id) == out["totals"]["total"]
    # Five days in a row: the streak pays once for each day it reaches, whatever the order.
    sent_in_order = factory.member(palu)
    post_batch(client, factory.headers(sent_in_order), list(reversed(items)))
    assert ledger_sum(factory, sent_in_order.id) == ledger_sum(factory, reader.id)


def test_one_batch_logs_for_the_guardian_and_their_child_and_refuses_a_stranger(
    client, factory, palu
):
    guardian = factory.member(palu)
    child = factory.child(guardian)
    other = factory.child(factory.member(palu))
    items = [
        item("own", 0, pages=12),
        item("kid", 0, pages=20, member_id=child.id),
        item("stranger", 0, pages=30, member_id=other.id),
        item("kid-2", 1, pages=8, member_id=child.id),
    ]
    out = post_batch(client, factory.headers(guardian), items)
    outcomes = [i["outcome"] for i in out["items"]]
    assert outcomes == ["accepted", "accepted", "error", "accepted"]
    assert out["items"][2]["problem"]["status"] in (403, 404)
    assert out["items"][1]["result"]["log"]["member_id"] == child.id
    assert out["items"][3]["result"]["log"]["member_id"] == child.id
    # Each reader's points are their own items' points; the stranger's child got nothing.
    own = sum(a["amount"] for a in out["items"][0]["result"]["awards"])
    kid = sum(a["amount"] for i in (1, 3) for a in out["items"][i]["result"]["awards"])
    assert ledger_sum(factory, guardian.id) == own > 0
    assert ledger_sum(factory, child.id) == kid > 0
    assert (logs_of(factory, other.id), ledger_sum(factory, other.id)) == (0, 0)


def test_a_batch_sent_again_answers_the_first_results_and_writes_nothing(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    items = [item(f"r{n}", n % 3, pages=5 + n) for n in range(6)]
    first = post_batch(client, h, items)
    before = (logs_of(factory, reader.id), ledger_sum(factory, reader.id))
    again = post_batch(client, h, items)
    assert [i["outcome"] for i in again["items"]] == ["duplicate"] * 6
    assert [i["result"] for i in again["items"]] == [i["result"] for i in first["items"]]
    assert (logs_of(factory, reader.id), ledger_sum(factory, reader.id)) == before == (6, before[1])
    # A key sent again with another body is refused, item by item, and changes nothing.
    changed = [{**items[0], "pages": 99}, item("new", 0)]
    third = post_batch(client, h, changed)
    assert [i["outcome"] for i in third["items"]] == ["error", "accepted"]
    assert third["items"][0]["problem"]["status"] == 422
    assert logs_of(factory, reader.id) == 7


def test_a_hashtag_joins_the_challenge_for_the_items_after_it(client, factory, palu):
    staff = factory.staff(palu)
    body = {
        "title": "Tantangan Baca November",
        "hashtag": "#TantanganBacaNovember",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "goal": "pages",
        "target": 1000,
    }
    r = client.post("/v1/challenges", json=body, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    reader = factory.member(palu)
    items = [
        item("tagged", 2, pages=10, hashtags=["#TantanganBacaNovember"]),
        item("later", 1, pages=15),
        item("today", 0, pages=20),
    ]
    out = post_batch(client, factory.headers(reader), items)
    progress = [i["result"]["challenges"] for i in out["items"]]
    # The first item joined; the next ones count in the challenge without its hashtag.
    assert [p[0]["current"] for p in progress] == [10, 25, 45]
