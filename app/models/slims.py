"""SLiMS: a library's catalogue records and member cards imported from its SLiMS, and
the stored cursor that makes every import incremental and resumable."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.account import ConsentGiven
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import Language, Password, ShortName, Slug, UtcDateTime

CardNumber = str  # SLiMS member_id: up to 20 characters, letters, digits and punctuation


class SlimsHolding(SQLModel, table=True):
    """One SLiMS bibliographic record of a library, linked to the catalogue's book."""

    __tablename__ = "slims_holding"
    __table_args__ = (
        UniqueConstraint("library_id", "source_id"),
        Index("ix_slims_holding_library_id_title_key", "library_id", "title_key"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    # SLiMS's biblio_id (the OAI identifier's number), the same by either route.
    source_id: str = SQLField(max_length=100)
    book_id: int = SQLField(foreign_key="book.id", index=True)
    # Folded title and first author: how a record without an ISBN is matched.
    title_key: str = SQLField(max_length=400)
    isbn13: str | None = SQLField(default=None, max_length=13)
    # A digest of what was imported: an unchanged record is skipped, not rewritten.
    fingerprint: str = SQLField(max_length=64)
    imported_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class SlimsMember(SQLModel, table=True):
    """A library card from SLiMS; claimed once, by its holder or a child's guardian."""

    __tablename__ = "slims_member"
    __table_args__ = (UniqueConstraint("library_id", "card_number"),)

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    card_number: str = SQLField(max_length=20)
    name: str = SQLField(max_length=100)
    birth_date: dt.date | None = None
    email: str | None = SQLField(default=None, max_length=254)
    phone: str | None = SQLField(default=None, max_length=50)
    institution: str | None = SQLField(default=None, max_length=100)
    expires_on: dt.date | None = None
    fingerprint: str = SQLField(max_length=64)
    member_id: int | None = SQLField(default=None, foreign_key="member.id", unique=True)
    claimed_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    # Failed claims in a row (reset by a success); past the limit the card waits.
    claim_failures: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    claim_locked_until: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    imported_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class SlimsCursor(SQLModel, table=True):
    """Where an import of one stream by one route stopped, and its high-water mark."""

    __tablename__ = "slims_cursor"
    __table_args__ = (UniqueConstraint("library_id", "stream", "route"),)

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    stream: str = SQLField(max_length=12)  # catalogue | members
    route: str = SQLField(max_length=8)  # oai | db | csv
    # What the next page starts after: an OAI resumption token, a (last_update, id)
    # key of the SLiMS table, or a CSV file's digest and row; empty when a run finished.
    position: str | None = SQLField(default=None, max_length=1000)
    # The last finished run's start (OAI `from`, or the table's last_update).
    high_water: str | None = SQLField(default=None, max_length=40)
    # An OAI harvest's responseDate, kept until the harvest finishes.
    started_mark: str | None = SQLField(default=None, max_length=40)
    updated_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


# --- API schemas -------------------------------------------------------------------

RowAction = Literal["created", "updated", "skipped", "removed"]


class ImportRow(BaseModel):
    """What happened to one SLiMS row, and why."""

    source_id: str
    action: RowAction
    reason: str
    book_id: int | None = None


class ImportReport(BaseModel):
    stream: Literal["catalogue", "members"]
    route: Literal["oai", "db", "csv"]
    created: int = 0
    updated: int = 0
    skipped: int = 0
    removed: int = 0
    # False when the call stopped at its page budget: call again to continue.
    complete: bool = True
    rows: list[ImportRow] = []

    def add(self, row: ImportRow) -> None:
        setattr(self, row.action, getattr(self, row.action) + 1)
        self.rows.append(row)


class OaiImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=8,
        max_length=500,
        pattern=r"^https?://[^\s]+$",
        description="The SLiMS OAI-PMH endpoint, e.g. https://slims.example.go.id/oai.php",
    )
    full: bool = Field(default=False, description="Harvest everything, not just what changed")
    max_pages: int = Field(default=20, ge=1, le=100)


CardNumberField = Field(min_length=1, max_length=20, pattern=r"^[\x21-\x7e]+$")


class CardClaim(BaseModel):
    """A member claims their account with their library card."""

    model_config = ConfigDict(extra="forbid")

    library: Slug
    card_number: str = CardNumberField
    birth_date: dt.date
    email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Sign-in email; the card's email when left out",
    )
    password: Password
    nickname: ShortName | None = None
    language: Language = "id"


class CardLink(BaseModel):
    """An account (or a guardian, for a child's card) proves a card is theirs."""

    model_config = ConfigDict(extra="forbid")

    card_number: str = CardNumberField
    birth_date: dt.date
    nickname: ShortName | None = Field(
        default=None, description="The child's public nickname (a child's card only)"
    )
    consent: ConsentGiven | None = Field(
        default=None,
        description="A child's card only: the guardian's consent (GET /v1/consent/child).",
    )


class CardPublic(BaseModel):
    card_number: str
    name: str
    institution: str | None
    expires_on: dt.date | None
    member_id: int
