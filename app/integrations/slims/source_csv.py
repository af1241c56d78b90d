"""SLiMS's member export (Membership > Export Data): a CSV with a header row naming
SLiMS's columns (`member_id`, `member_name`, `birth_date`, `member_email`,
`member_phone`, `inst_name`, `expire_date`); comma, semicolon or tab separated."""

from __future__ import annotations

import csv
import hashlib
import io

from app.integrations.slims.records import MemberRecord, Page, parse_date

MAX_BYTES = 20 * 1024 * 1024
PAGE_SIZE = 500
REQUIRED = ("member_id", "member_name")


class CsvError(Exception):
    """The file is not a SLiMS member export."""


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError("the file is neither UTF-8 nor Windows-1252 text")


def _reader(text: str) -> csv.DictReader[str]:
    head = text[:4096]
    delimiter = max((",", ";", "\t"), key=head.split("\n", 1)[0].count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [(n or "").strip().lower() for n in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CsvError(
            "the header row lacks " + ", ".join(missing) + " (export with the header row on)"
        )
    reader.fieldnames = names
    return reader


def members_page(data: bytes, start_row: int, size: int = PAGE_SIZE) -> Page[MemberRecord]:
    """Rows `start_row` .. `start_row + size - 1` (1 is the first row after the header);
    `next_position` is the row the next page starts at."""
    reader = _reader(_text(data))
    page: Page[MemberRecord] = Page()
    try:
        for number, row in enumerate(reader, start=1):
            if number < start_row:
                continue
            if number >= start_row + size:
                page.next_position = str(number)
                break
            if None in row:
                page.broken.append((f"row {number}", "more fields than the header row"))
                continue
            cells = {k: (v or "").strip() for k, v in row.items() if k}
            try:
                birth = parse_date(cells.get("birth_date"))
                expires = parse_date(cells.get("expire_date"))
            except ValueError:
                page.broken.append(
                    (cells.get("member_id") or f"row {number}", "a date is not YYYY-MM-DD")
                )
                continue
            page.records.append(
                MemberRecord(
                    card_number=cells.get("member_id", ""),
                    name=cells.get("member_name", ""),
                    birth_date=birth,
                    email=cells.get("member_email") or None,
                    phone=cells.get("member_phone") or None,
                    institution=cells.get("inst_name") or None,
                    expires_on=expires,
                )
            )
    except csv.Error as exc:
        raise CsvError(f"the file is not valid CSV: {exc}") from None
    return page
