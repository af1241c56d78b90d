"""The book catalogue: search, and find-or-create so one ISBN never makes two books."""

from __future__ import annotations

from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.pagination import id_page
from app.core.problems import not_found
from app.core.text import fold, like_pattern
from app.models.book import Book, BookCreate, BookPublic

# Books never change once catalogued (no call edits or deletes one), so the reading
# path reads them from memory (per engine; bounded). A book this transaction made is not
# remembered until it is read again later: the transaction might still roll back. A
# database emptied and refilled under a running process would reuse ids: restart it.
_known: WeakKeyDictionary[Engine, dict[int, BookPublic]] = WeakKeyDictionary()
_KNOWN_MAX = 20_000
_MADE_HERE = "bacaquest.books.made"


def _search_key(title: str, author: str) -> str:
    return fold(f"{title} {author}")[:400]


def search(
    session: Session, q: str | None, isbn: str | None, limit: int, cursor: str | None
) -> tuple[list[Book], str | None]:
    stmt = select(Book)
    if isbn:
        stmt = stmt.where(Book.isbn13 == isbn)
    if q:
        terms = fold(q).split()[:8]
        for term in terms:
            stmt = stmt.where(Book.search_key.like(like_pattern(term), escape="\\"))
    return id_page(session, stmt, Book.id, lambda b: b.id, limit, cursor, scalars=True)


def get(session: Session, book_id: int) -> Book:
    book = session.get(Book, book_id)
    if book is None:
        raise not_found("Book")
    return book


def public(session: Session, book_id: int) -> BookPublic:
    """The book as the API shows it (404 when there is none), from memory when known."""
    engine = session.get_bind()
    known = _known.get(engine)
    if known is None:
        known = _known.setdefault(engine, {})
    found = known.get(book_id)
    if found is None:
        found = BookPublic.of(get(session, book_id))
        if book_id not in session.info.get(_MADE_HERE, ()):
            if len(known) >= _KNOWN_MAX:
                known.clear()
            known[book_id] = found
    return found


def _existing(session: Session, data: BookCreate) -> Book | None:
    if data.isbn:
        return session.execute(select(Book).where(Book.isbn13 == data.isbn)).scalar_one_or_none()
    key = _search_key(data.title, data.author or "")
    return session.execute(
        select(Book).where(Book.isbn13.is_(None), Book.search_key == key).limit(1)
    ).scalar_one_or_none()


def find_or_create(session: Session, data: BookCreate, now: datetime) -> tuple[Book, bool]:
    """The catalogue's book for this ISBN (or title and author), created when missing."""
    found = _existing(session, data)
    if found is not None:
        return found, False
    book = Book(
        isbn13=data.isbn,
        title=data.title,
        author=data.author or "",
        pages=data.pages,
        language=data.language,
        genre=data.genre.casefold() if data.genre else None,
        search_key=_search_key(data.title, data.author or ""),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(book)
            session.flush()
        session.info.setdefault(_MADE_HERE, set()).add(book.id)
    except IntegrityError:
        # Another request created the same ISBN a moment ago: use theirs.
        again = _existing(session, data)
        if again is None:
            raise
        return again, False
    return book, True


__all__ = ["find_or_create", "get", "public", "search"]
