"""Books: the catalogue members log against, one row per ISBN."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.isbn import normalize_isbn
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import Name, ShortName, Title, UtcDateTime

Isbn = Annotated[str, Field(min_length=10, max_length=17), AfterValidator(normalize_isbn)]


class Book(SQLModel, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    isbn13: str | None = SQLField(default=None, max_length=13, unique=True)
    title: str = SQLField(max_length=300)
    author: str = SQLField(default="", max_length=80)
    pages: int | None = None
    language: str | None = SQLField(default=None, max_length=2)
    genre: str | None = SQLField(default=None, max_length=40)
    # Folded "title author" for case- and accent-insensitive search.
    search_key: str = SQLField(max_length=400, index=True)
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class BookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Bumi Manusia",
                    "author": "Pramoedya Ananta Toer",
                    "pages": 535,
                    "language": "id",
                    "genre": "novel",
                }
            ]
        },
    )

    isbn: Isbn | None = None
    title: Title
    author: Name | None = None
    pages: int | None = Field(default=None, ge=1, le=10000)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    genre: ShortName | None = None


class BookPublic(BaseModel):
    id: int
    isbn13: str | None
    title: str
    author: str
    pages: int | None
    language: str | None
    genre: str | None

    @classmethod
    def of(cls, b: Book) -> BookPublic:
        return cls(
            id=b.id or 0,
            isbn13=b.isbn13,
            title=b.title,
            author=b.author,
            pages=b.pages,
            language=b.language,
            genre=b.genre,
        )
