"""Importing a SLiMS catalogue and members from its (MariaDB) database, read-only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from app.core.db import transaction
from app.integrations.slims import catalogue, runs, source_db
from app.models.book import Book
from app.models.slims import SlimsCursor, SlimsHolding, SlimsMember

BIBLIO = [
    # id, title, isbn_issn, last_update
    (1, "Laskar Pelangi", "979-3062-79-7", "2026-11-01 08:00:00"),
    (2, "Laskar pelangi /", "9789793062792", "2026-11-01 09:00:00"),  # same ISBN, 2nd copy
    (3, "Bumi Manusia", "", "2026-11-02 08:00:00"),
    (4, "BUMI MANUSIA", None, "2026-11-02 08:00:00"),  # same title and author, no ISBN
    (5, "Bumi Manusia", "", "2026-11-03 08:00:00"),  # same title, another author
    (6, "Cantik Itu Luka", "979-22-1234-0", "2026-11-04 08:00:00"),  # wrong check digit
]
AUTHORS = [
    (1, "Hirata, Andrea"),
    (2, "Toer, Pramoedya Ananta"),
    (3, "Anonim"),
    (4, "Kurniawan, Eka"),
]
BIBLIO_AUTHOR = [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 4)]


def units(engine):  # type: ignore[no-untyped-def]
    @contextmanager
    def unit() -> Iterator[Session]:
        with transaction(engine) as session:
            yield session

    return unit


def fill(slims) -> None:
    with slims.begin() as conn:
        for bid, title, isbn, stamp in BIBLIO:
            conn.execute(
                text(
                    "INSERT INTO biblio (biblio_id, title, isbn_issn, language_id, input_date,"
                    " last_update) VALUES (:i, :t, :isbn, 'id', :s, :s)"
                ),
                {"i": bid, "t": title, "isbn": isbn, "s": stamp},
            )
        for aid, name in AUTHORS:
            conn.execute(
                text("INSERT INTO mst_author (author_id, author_name) VALUES (:i, :n)"),
                {"i": aid, "n": name},
            )
        for bid, aid in BIBLIO_AUTHOR:
            conn.execute(
                text("INSERT INTO biblio_author (biblio_id, author_id) VALUES (:b, :a)"),
                {"b": bid, "a": aid},
            )
        conn.execute(text("INSERT INTO mst_topic (topic_id, topic) VALUES (1, 'Novel')"))
        conn.execute(text("INSERT INTO biblio_topic (biblio_id, topic_id) VALUES (1, 1)"))


def book_of(engine, library_id: int) -> dict[str, Book]:
    with Session(engine) as s:
        rows = s.execute(
            select(SlimsHolding.source_id, Book)
            .join(Book, Book.id == SlimsHolding.book_id)
            .where(SlimsHolding.library_id == library_id)
        ).all()
    return {sid: book for sid, book in rows}


def test_catalogue_from_the_database_never_makes_two_books_of_one_isbn_nor_guesses(
    engine, factory, clock, slims_db
):
    url, slims = slims_db
    fill(slims)
    lib, other = factory.library(), factory.library()
    # Another library's record of "Bumi Manusia" by the same author, without ISBN: a
    # title alone never joins another library's book.
    with transaction(engine) as s:
        runs_other = catalogue.apply_record  # the same applier, for the other library
        from app.integrations.slims.records import CatalogueRecord

        runs_other(
            s,
            other.id,
            CatalogueRecord("77", "Bumi Manusia", ("Toer, Pramoedya Ananta",)),
            clock.now(),
        )

    report = runs.catalogue_from_db(units(engine), lib.id, url, clock.now())

    assert report.complete
    assert (report.created, report.updated, report.skipped) == (6, 0, 0)
    books = book_of(engine, lib.id)
    assert books["1"].id == books["2"].id and books["1"].isbn13 == "9789793062792"
    assert books["1"].genre == "novel" and books["1"].author == "Hirata, Andrea"
    assert books["3"].id == books["4"].id and books["3"].isbn13 is None
    assert books["5"].id != books["3"].id
    assert books["3"].id != book_of(engine, other.id)["77"].id
    assert books["6"].isbn13 is None
    reasons = {r.source_id: r.reason for r in report.rows}
    assert "not a valid ISBN" in reasons["6"]

    again = runs.catalogue_from_db(units(engine), lib.id, url, clock.now())
    assert (again.created, again.updated) == (0, 0)
    assert {r.reason for r in again.rows} <= {"unchanged"}


def test_only_rows_changed_since_the_mark_are_read_again(engine, factory, clock, slims_db):
    url, slims = slims_db
    fill(slims)
    lib = factory.library()
    runs.catalogue_from_db(units(engine), lib.id, url, clock.now())
    with Session(engine) as s:
        assert s.execute(select(SlimsCursor.high_water)).scalar_one() == "2026-11-04 08:00:00"
    with slims.begin() as conn:
        conn.execute(
            text(
                "UPDATE biblio SET title = 'Bumi Manusia (Cetakan 2)', "
                "last_update = '2026-11-20 10:00:00' WHERE biblio_id = 5"
            )
        )

    report = runs.catalogue_from_db(units(engine), lib.id, url, clock.now())

    updated = [r.source_id for r in report.rows if r.action == "updated"]
    assert updated == ["5"]
    assert {r.source_id for r in report.rows} == {"5", "6"}  # 6 shares the old mark
    assert book_of(engine, lib.id)["5"].title == "Bumi Manusia (Cetakan 2)"


def test_a_failed_run_resumes_after_the_last_stored_page(
    engine, factory, clock, slims_db, monkeypatch
):
    url, slims = slims_db
    fill(slims)
    lib = factory.library()
    monkeypatch.setattr(source_db, "PAGE_SIZE", 2)
    real = catalogue.apply_record

    def breaks_on_4(session, library_id, record, now):  # type: ignore[no-untyped-def]
        if record.source_id == "4":
            raise RuntimeError("power cut")
        return real(session, library_id, record, now)

    monkeypatch.setattr(catalogue, "apply_record", breaks_on_4)
    with pytest.raises(RuntimeError):
        runs.catalogue_from_db(units(engine), lib.id, url, clock.now())
    assert set(book_of(engine, lib.id)) == {"1", "2"}  # page 2 rolled back whole
    monkeypatch.setattr(catalogue, "apply_record", real)

    report = runs.catalogue_from_db(units(engine), lib.id, url, clock.now())

    assert [r.source_id for r in report.rows] == ["3", "4", "5", "6"]
    assert set(book_of(engine, lib.id)) == {"1", "2", "3", "4", "5", "6"}


def test_the_import_connection_cannot_write(slims_db):
    url, _ = slims_db
    engine = source_db.connect(url)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="READ ONLY"):
            conn.execute(text("DELETE FROM biblio"))
    finally:
        engine.dispose()


def test_members_from_the_database_report_broken_rows_and_import_the_rest(
    engine, factory, clock, slims_db
):
    url, slims = slims_db
    lib = factory.library()
    with slims.begin() as conn:
        # SLiMS databases hold zero dates (its installer turns strict mode off).
        conn.execute(text("SET SESSION sql_mode = ''"))
        conn.execute(
            text(
                "INSERT INTO member (member_id, member_name, birth_date, member_email, inst_name,"
                " member_phone, expire_date, last_update) VALUES"
                " ('P0001', 'Siti Rahma', '1990-04-12', 'siti@example.org', 'Umum', '0812', "
                "  '2027-12-31', '2026-11-01'),"
                " ('P0002', 'Bima Putra', '2017-02-03', NULL, 'SD Negeri 1', NULL, '2027-06-30', "
                "  '2026-11-02'),"
                " ('P0003', '', '1990-01-01', NULL, NULL, NULL, '2027-01-01', '2026-11-03'),"
                " ('P0004', 'Tanpa Lahir', '0000-00-00', NULL, NULL, NULL, '0000-00-00', "
                "  '2026-11-03')"
            )
        )

    report = runs.members_from_db(units(engine), lib.id, url, clock.now())

    assert (report.created, report.skipped) == (3, 1)
    broken = [r for r in report.rows if r.action == "skipped"]
    assert broken[0].source_id == "P0003" and broken[0].reason == "no member name"
    with Session(engine) as s:
        cards = {c.card_number: c for c in s.execute(select(SlimsMember)).scalars()}
    assert cards["P0001"].email == "siti@example.org"
    assert str(cards["P0001"].birth_date) == "1990-04-12"
    assert cards["P0004"].birth_date is None
    assert runs.members_from_db(units(engine), lib.id, url, clock.now()).created == 0
