"""The records a SLiMS import reads, by either route, and their checks and digests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Generic, TypeVar

from app.core.isbn import normalize_isbn
from app.core.text import fold

_ISBN_CANDIDATE = re.compile(r"(?:97[89][\d\- ]{10,14}|\d[\d\- ]{8,11}[\dXx])")
_TRAILING_ID = re.compile(r"(\d+)$")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CatalogueRecord:
    """One SLiMS bibliographic record (a `biblio` row, or an `oai_dc` record)."""

    source_id: str
    title: str
    authors: tuple[str, ...] = ()
    isbn_issn: str = ""
    topics: tuple[str, ...] = ()
    language: str | None = None
    deleted: bool = False

    def fingerprint(self) -> str:
        return digest(asdict(self))


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One SLiMS member (a `member` row, or a row of the member export)."""

    card_number: str
    name: str
    birth_date: dt.date | None = None
    email: str | None = None
    phone: str | None = None
    institution: str | None = None
    expires_on: dt.date | None = None

    def fingerprint(self) -> str:
        return digest(asdict(self))


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a source: its records (or rows refused while reading them, each with
    its reason), where the next page starts (None: this was the last), and its mark: the
    last row's `last_update` (database), or the server's responseDate (OAI-PMH)."""

    records: list[T] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)
    next_position: str | None = None
    mark: str | None = None


def digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def source_id_of(oai_identifier: str) -> str:
    """SLiMS names a record `oai:<prefix>/<biblio_id>`: the biblio id, as the database
    route reads it, so both routes land on the same holding."""
    found = _TRAILING_ID.search(oai_identifier)
    return found.group(1) if found else oai_identifier[:100]


def isbn_of(raw: str) -> tuple[str | None, str | None]:
    """The ISBN-13 in a SLiMS `isbn_issn` (or dc:identifier) text, and a note when a
    value was there but is no valid ISBN (an ISSN, a typo, a wrong check digit)."""
    text = raw.strip()
    if not text:
        return None, None
    for candidate in _ISBN_CANDIDATE.findall(text):
        try:
            return normalize_isbn(candidate.strip()), None
        except ValueError:
            continue
    return None, f"{text[:40]!r} is not a valid ISBN"


_TITLE_TAIL = " /:;.,="


def title_key(title: str, author: str) -> str:
    """What two records without an ISBN must share to be one book: the exact title and
    first author, folded (case, accents, spacing, trailing cataloguing punctuation)."""
    return f"{fold(title).strip(_TITLE_TAIL)}|{fold(author).strip(_TITLE_TAIL)}"[:400]


def clean_title(title: str) -> str:
    """A catalogue title as one line: SLiMS titles may carry line breaks and the
    trailing ` /` of a statement of responsibility."""
    return " ".join(title.split()).rstrip(" /:;=")[:300]


def parse_date(raw: str | dt.date | None) -> dt.date | None:
    """A SLiMS date (`YYYY-MM-DD`, or the empty `0000-00-00`); ValueError when garbled."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = (raw or "").strip()
    if not text or text.startswith("0000-00-00"):
        return None
    return dt.date.fromisoformat(text[:10])
