"""Apply SLiMS catalogue records: each becomes (or stays) a holding of the library,
linked to the one catalogue book of its ISBN; a record without an ISBN joins a book
only when the library's own imported set has one of exactly its title and author."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.text import fold
from app.integrations.slims.records import CatalogueRecord, clean_title, isbn_of, title_key
from app.models.book import Book, BookCreate
from app.models.slims import ImportRow, SlimsHolding
from app.services import books


def _genre(topics: tuple[str, ...]) -> str | None:
    for topic in topics:
        text = " ".join(topic.split())[:40].strip()
        if text:
            return text
    return None


def _language(raw: str | None) -> str | None:
    # SLiMS keeps language ids such as `id`, `en`, `id-ID`; dc:language may say `ind`.
    code = (raw or "").strip().lower()[:3]
    known = {"ind": "id", "eng": "en", "in": "id"}
    code = known.get(code, code[:2])
    return code if len(code) == 2 and code.isalpha() else None


def _unmatched_book(session: Session, library_id: int, key: str) -> Book | None:
    """A book without ISBN this library already imported under exactly this title key."""
    return session.execute(
        select(Book)
        .join(SlimsHolding, SlimsHolding.book_id == Book.id)
        .where(
            SlimsHolding.library_id == library_id,
            SlimsHolding.title_key == key,
            Book.isbn13.is_(None),
        )
        .order_by(Book.id)
        .limit(1)
    ).scalar_one_or_none()


def _new_book_without_isbn(session: Session, data: BookCreate, now: datetime) -> Book:
    # Not books.find_or_create: that would join any library's book of the same title,
    # a guess this import never makes.
    book = Book(
        isbn13=None,
        title=data.title,
        author=data.author or "",
        pages=None,
        language=data.language,
        genre=data.genre.casefold() if data.genre else None,
        search_key=fold(f"{data.title} {data.author or ''}")[:400],
        created_at=now,
    )
    session.add(book)
    session.flush()
    return book


def apply_record(
    session: Session, library_id: int, record: CatalogueRecord, now: datetime
) -> ImportRow:
    """Create, update, skip or remove the library's holding for one record."""
    sid = record.source_id
    holding = session.execute(
        select(SlimsHolding).where(
            SlimsHolding.library_id == library_id, SlimsHolding.source_id == sid
        )
    ).scalar_one_or_none()
    if record.deleted:
        if holding is None:
            return ImportRow(source_id=sid, action="skipped", reason="deleted in SLiMS")
        session.execute(delete(SlimsHolding).where(SlimsHolding.id == holding.id))
        return ImportRow(
            source_id=sid, action="removed", reason="deleted in SLiMS", book_id=holding.book_id
        )
    fingerprint = record.fingerprint()
    if holding is not None and holding.fingerprint == fingerprint:
        return ImportRow(
            source_id=sid, action="skipped", reason="unchanged", book_id=holding.book_id
        )
    title = clean_title(record.title)
    author = " ".join(record.authors[0].split())[:80] if record.authors else ""
    if not title:
        return ImportRow(source_id=sid, action="skipped", reason="the record has no title")
    isbn, isbn_note = isbn_of(record.isbn_issn)
    try:
        data = BookCreate(
            isbn=isbn,
            title=title,
            author=author or None,
            language=_language(record.language),
            genre=_genre(record.topics),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return ImportRow(source_id=sid, action="skipped", reason=f"{where}: {first['msg']}")
    key = title_key(title, author)
    if isbn is not None:
        book, made = books.find_or_create(session, data, now)
        how = "new book" if made else "same ISBN as a book already in the catalogue"
    else:
        found = _unmatched_book(session, library_id, key)
        if holding is not None and holding.title_key == key and holding.isbn13 is None:
            found = session.get(Book, holding.book_id) or found
        if found is not None:
            book, how = found, "same title and author as a record already imported, no ISBN"
        else:
            book, how = _new_book_without_isbn(session, data, now), "new book without ISBN"
    if isbn_note:
        how = f"{how}; {isbn_note}"
    if holding is None:
        try:
            with session.begin_nested():
                session.add(
                    SlimsHolding(
                        library_id=library_id,
                        source_id=sid,
                        book_id=book.id or 0,
                        title_key=key,
                        isbn13=isbn,
                        fingerprint=fingerprint,
                        imported_at=now,
                    )
                )
                session.flush()
        except IntegrityError:
            # Another import of the same library stored this record a moment ago.
            return ImportRow(
                source_id=sid, action="skipped", reason="imported concurrently", book_id=book.id
            )
        return ImportRow(source_id=sid, action="created", reason=how, book_id=book.id)
    holding.book_id = book.id or 0
    holding.title_key = key
    holding.isbn13 = isbn
    holding.fingerprint = fingerprint
    holding.imported_at = now
    session.add(holding)
    session.flush()
    return ImportRow(source_id=sid, action="updated", reason=how, book_id=book.id)
