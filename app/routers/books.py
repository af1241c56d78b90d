"""The book catalogue: search by title, author or ISBN; add a book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.core.isbn import normalize_isbn
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.core.problems import unprocessable
from app.deps import ClockDep, CurrentMember, SessionDep
from app.models.book import BookCreate, BookPublic
from app.models.types import SearchText
from app.services import books

router = APIRouter(prefix="/v1/books", tags=["books"])


@router.get("", response_model=Page[BookPublic], responses=problems(401))
def search_books(
    member: CurrentMember,
    session: SessionDep,
    q: Annotated[SearchText | None, Query(description="Words of the title or author")] = None,
    isbn: Annotated[str | None, Query(max_length=17, description="ISBN-10 or ISBN-13")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[BookPublic]:
    """Find books; case- and accent-insensitive on title and author."""
    isbn13 = None
    if isbn:
        try:
            isbn13 = normalize_isbn(isbn)
        except ValueError as exc:
            raise unprocessable(str(exc), field="isbn") from None
    rows, nxt = books.search(session, q, isbn13, limit, cursor)
    return Page(items=[BookPublic.of(b) for b in rows], next_cursor=nxt)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BookPublic,
    responses={
        200: {"model": BookPublic, "description": "The book already existed"},
        **problems(401),
    },
)
def create_book(
    data: BookCreate,
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
) -> BookPublic:
    """Add a book; an ISBN already in the catalogue returns the existing book (200)."""
    book, created = books.find_or_create(session, data, clock.now())
    if not created:
        response.status_code = status.HTTP_200_OK
    return BookPublic.of(book)
