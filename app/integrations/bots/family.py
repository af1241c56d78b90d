"""A guardian's children in chat: a child is named ("... untuk Budi") and found among the
guardian's own children by nickname or name, never anyone else's; a child whose consent
the guardian withdrew gets nothing new recorded. Children have no chat of their own."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.accounts import consent
from app.core.text import fold
from app.models.member import Member


@dataclass(frozen=True, slots=True)
class Refusal:
    text: str


def children_of(session: Session, guardian: Member) -> list[Member]:
    return list(
        session.execute(
            select(Member)
            .where(Member.guardian_id == guardian.id, Member.deleted_at.is_(None))
            .order_by(Member.id)
        ).scalars()
    )


def name_of(child: Member) -> str:
    return child.nickname or child.display_name


def find_child(
    session: Session, guardian: Member, name: str, *, title_quoted: bool
) -> Member | Refusal | None:
    """The guardian's child called `name`; a Refusal to say in chat; None when the
    guardian has no children and the words were not quoted (then "untuk ..." is taken
    to be part of the title, as in "Surat untuk Ibu")."""
    kids = children_of(session, guardian)
    if not kids and not title_quoted:
        return None
    wanted = fold(name)
    found = [c for c in kids if wanted in {fold(c.nickname or ""), fold(c.display_name)}]
    if len(found) == 1:
        child = found[0]
        if not consent.has_active(session, child.id or 0):
            return Refusal(
                f"Persetujuan wali untuk {name_of(child)} sudah ditarik, jadi tidak ada yang "
                "dicatat. Berikan persetujuan lagi di aplikasi bila ingin melanjutkan."
            )
        return child
    if found:
        return Refusal(
            f"Ada {len(found)} anak bernama \u201c{name}\u201d. Beri mereka nama panggilan "
            "yang berbeda di aplikasi, lalu sebut nama panggilannya."
        )
    names = ", ".join(name_of(c) for c in kids) or "belum ada"
    return Refusal(
        f"Tidak ada anak bernama \u201c{name}\u201d di akun Anda (anak Anda: {names}). "
        "Bila \u201cuntuk ...\u201d bagian dari judul, tulis judulnya dalam tanda kutip: "
        'baca 20 halaman "Surat untuk Ibu"'
    )
