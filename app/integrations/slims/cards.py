"""Apply SLiMS member records: each library card is stored once per library, updated
when SLiMS changes it, and waits to be claimed (a claimed card keeps its account)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.integrations.slims.records import MemberRecord
from app.models.slims import ImportRow, SlimsMember

_CARD_MAX = 20


def _one_line(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").split())
    if any(ord(c) < 32 for c in text):
        text = "".join(c for c in text if ord(c) >= 32)
    return text[:limit] or None


def check(record: MemberRecord) -> str | None:
    """Why a member row cannot be imported, or None."""
    card = record.card_number.strip()
    if not card:
        return "no card number (member_id)"
    if len(card) > _CARD_MAX or any(ord(c) <= 32 or ord(c) > 126 for c in card):
        return f"card number {card[:30]!r} is not 1-{_CARD_MAX} printable characters"
    if not _one_line(record.name, 100):
        return "no member name"
    return None


def apply_member(
    session: Session, library_id: int, record: MemberRecord, now: datetime
) -> ImportRow:
    card = record.card_number.strip()
    problem = check(record)
    if problem:
        return ImportRow(source_id=card or "?", action="skipped", reason=problem)
    email = _one_line(record.email, 254)
    values = {
        "name": _one_line(record.name, 100) or card,
        "birth_date": record.birth_date,
        "email": email.lower() if email and "@" in email else None,
        "phone": _one_line(record.phone, 50),
        "institution": _one_line(record.institution, 100),
        "expires_on": record.expires_on,
        "fingerprint": record.fingerprint(),
    }
    found = session.execute(
        select(SlimsMember).where(
            SlimsMember.library_id == library_id, SlimsMember.card_number == card
        )
    ).scalar_one_or_none()
    if found is None:
        try:
            with session.begin_nested():
                session.add(
                    SlimsMember(library_id=library_id, card_number=card, imported_at=now, **values)
                )
                session.flush()
        except IntegrityError:
            return ImportRow(source_id=card, action="skipped", reason="imported concurrently")
        return ImportRow(source_id=card, action="created", reason="new card, not yet claimed")
    if found.fingerprint == values["fingerprint"]:
        return ImportRow(source_id=card, action="skipped", reason="unchanged")
    for name, value in values.items():
        setattr(found, name, value)
    found.imported_at = now
    session.add(found)
    session.flush()
    reason = "claimed card: the account is kept" if found.member_id else "card not yet claimed"
    return ImportRow(source_id=card, action="updated", reason=reason)
