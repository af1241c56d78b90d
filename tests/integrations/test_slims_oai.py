"""Importing a SLiMS catalogue by OAI-PMH, from an endpoint the test serves."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.core.db import transaction
from app.integrations.slims import oai, runs
from app.models.book import Book
from app.models.slims import SlimsCursor, SlimsHolding
from tests.integrations.conftest import FakeOai, OaiRecord

LASKAR = "979-3062-79-7"  # Laskar Pelangi, ISBN-10 form; its ISBN-13 is 9789793062792
LASKAR_13 = "9789793062792"


def units(engine):  # type: ignore[no-untyped-def]
    @contextmanager
    def unit() -> Iterator[Session]:
        with transaction(engine) as session:
            yield session

    return unit


def catalogue(oai_server: FakeOai) -> None:
    oai_server.records = [
        OaiRecord(1, "2026-11-01", "Laskar Pelangi", ["Hirata, Andrea"], [LASKAR], ["Novel"]),
        OaiRecord(2, "2026-11-02", "Bumi Manusia", ["Toer, Pramoedya Ananta"], []),
        OaiRecord(3, "2026-11-03", "Ronggeng Dukuh Paruk", ["Tohari, Ahmad"], ["ISBN 123"]),
        OaiRecord(4, "2026-11-04", "", ["Anonim"], []),
        OaiRecord(5, "2026-11-05", "Bumi Manusia", ["Toer, Pramoedya Ananta"], []),
    ]


def holdings(engine, library_id: int) -> dict[str, int]:
    with Session(engine) as s:
        rows = s.execute(
            select(SlimsHolding.source_id, SlimsHolding.book_id).where(
                SlimsHolding.library_id == library_id
            )
        ).all()
    return dict(rows)


def test_staff_harvest_merges_isbns_matches_titles_and_reports_each_row(
    client, factory, oai_server
):
    lib = factory.library("palu")
    staff = factory.staff(lib)
    reader = factory.member(lib)
    # A member logged Laskar Pelangi by its ISBN-13 before the library imported it.
    logged = client.post(
        "/v1/books",
        json={"isbn": LASKAR_13, "title": "Laskar Pelangi"},
        headers=factory.headers(reader),
    ).json()
    catalogue(oai_server)

    r = client.post(
        "/v1/integrations/slims/catalogue/oai",
        json={"url": oai_server.url},
        headers=factory.headers(staff),
    )

    assert r.status_code == 200, r.text
    report = r.json()
    assert report["complete"] is True
    assert (report["created"], report["updated"], report["skipped"]) == (4, 0, 1)
    rows = {row["source_id"]: row for row in report["rows"]}
    assert rows["1"]["book_id"] == logged["id"]
    assert "same ISBN" in rows["1"]["reason"]
    assert rows["3"]["action"] == "created" and "not a valid ISBN" in rows["3"]["reason"]
    assert rows["4"] == {
        "source_id": "4",
        "action": "skipped",
        "reason": "the record has no title",
        "book_id": None,
    }
    # Two SLiMS records of one title and author without ISBN are one book.
    assert rows["5"]["book_id"] == rows["2"]["book_id"]
    # Pages of two, continued by resumption token.
    assert [q.get("resumptionToken") for q in oai_server.requests] == [None, "2:", "4:"]
    found = client.get(f"/v1/books?isbn={LASKAR_13}", headers=factory.headers(reader)).json()
    assert len(found["items"]) == 1


def test_a_second_harvest_asks_only_for_changes_and_changes_nothing_twice(
    client, factory, oai_server
):
    lib = factory.library()
    staff = factory.staff(lib)
    catalogue(oai_server)
    oai_server.response_date = "2026-11-10T08:00:00Z"
    first = client.post(
        "/v1/integrations/slims/catalogue/oai",
        json={"url": oai_server.url},
        headers=factory.headers(staff),
    ).json()
    assert first["created"] == 4
    oai_server.requests.clear()
    with Session(client.app.state.engine) as s:
        books_before = s.execute(select(func.count()).select_from(Book)).scalar_one()

    oai_server.records.append(
        OaiRecord(2, "2026-11-12", "Bumi Manusia", ["Toer, Pramoedya Ananta"], [], ["Sejarah"])
    )
    oai_server.records.append(OaiRecord(1, "2026-11-12", deleted=True))
    again = client.post(
        "/v1/integrations/slims/catalogue/oai",
        json={"url": oai_server.url},
        headers=factory.headers(staff),
    ).json()

    assert oai_server.requests[0]["from"] == "2026-11-10"
    assert (again["created"], again["updated"], again["removed"]) == (0, 1, 1)
    with Session(client.app.state.engine) as s:
        assert s.execute(select(func.count()).select_from(Book)).scalar_one() == books_before
    assert "1" not in holdings(client.app.state.engine, lib.id)


def test_a_harvest_that_fails_midway_keeps_its_pages_and_resumes_at_the_token(
    engine, factory, clock, oai_server
):
    lib = factory.library()
    catalogue(oai_server)
    oai_server.fail_tokens = {"4:"}

    with pytest.raises(oai.HarvestError):
        runs.catalogue_from_oai(units(engine), lib.id, oai_server.url, clock.now())

    assert set(holdings(engine, lib.id)) == {"1", "2", "3"}
    with Session(engine) as s:
        cursor = s.execute(select(SlimsCursor)).scalar_one()
    assert cursor.position == "4:" and cursor.high_water is None
    oai_server.requests.clear()

    report = runs.catalogue_from_oai(units(engine), lib.id, oai_server.url, clock.now())

    assert oai_server.requests == [{"verb": "ListRecords", "resumptionToken": "4:"}]
    assert report.complete and report.created == 1
    assert set(holdings(engine, lib.id)) == {"1", "2", "3", "5"}
    with Session(engine) as s:
        cursor = s.execute(select(SlimsCursor)).scalar_one()
    assert cursor.position is None and cursor.high_water == "2026-11-17"


def test_an_expired_token_harvests_again_from_the_mark(engine, factory, clock, oai_server):
    lib = factory.library()
    catalogue(oai_server)
    oai_server.fail_tokens = {"2:"}
    with pytest.raises(oai.HarvestError):
        runs.catalogue_from_oai(units(engine), lib.id, oai_server.url, clock.now())
    oai_server.forget_tokens = True
    oai_server.page_size = 10

    report = runs.catalogue_from_oai(units(engine), lib.id, oai_server.url, clock.now())

    assert report.complete
    assert report.created == 2 and [r.reason for r in report.rows].count("unchanged") == 2
    assert len(holdings(engine, lib.id)) == 4


def test_harvest_refuses_what_is_not_oai_and_other_members(client, factory, oai_server):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    bad_url = client.post(
        "/v1/integrations/slims/catalogue/oai",
        json={"url": "ftp://example.org/oai"},
        headers=factory.headers(staff),
    )
    assert bad_url.status_code == 422
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    unreachable = client.post(
        "/v1/integrations/slims/catalogue/oai",
        json={"url": f"http://127.0.0.1:{closed_port}/oai.php"},
        headers=factory.headers(staff),
    )
    assert unreachable.status_code == 400
    assert unreachable.headers["content-type"] == "application/problem+json"
    assert unreachable.json()["type"].endswith("harvest-failed")
    assert (
        client.post(
            "/v1/integrations/slims/catalogue/oai",
            json={"url": oai_server.url},
            headers=factory.headers(reader),
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/v1/integrations/slims/catalogue/oai", json={"url": oai_server.url}
        ).status_code
        == 401
    )
    assert oai_server.requests == []
