"""A guardian's consent for a child profile (UU 27/2022 on personal data protection).

Consent is given when the profile is made: the version and its full wording, in the
language the guardian read it in, and the time are stored, and the guardian can read
them back (they are part of the child's export). Withdrawing it hides the child from
every public place at once: off every board, every share withdrawn (410).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from app.core.problems import conflict, unprocessable
from app.leaderboards import member_updating
from app.models.account import ConsentGiven, ConsentRecord, ConsentText, GuardianConsent
from app.models.member import Member
from app.models.share import Share

VERSION = "2026-12"
WORDING = {
    "id": (
        "Saya adalah orang tua/wali anak ini. Saya menyetujui bahwa perpustakaan memproses "
        "data bacaan anak (buku, halaman, menit, poin, lencana, tantangan) untuk program "
        "membaca, dan bahwa di tempat umum (papan peringkat, halaman berbagi) anak hanya "
        "ditampilkan dengan nama panggilannya, tanpa nama lengkap, sekolah atau tahun lahir. "
        "Saya dapat menarik persetujuan ini, mengunduh semua data anak, dan menghapus "
        "profilnya kapan saja (UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi)."
    ),
    "en": (
        "I am this child's parent or guardian. I agree that the library processes the "
        "child's reading data (books, pages, minutes, points, badges, challenges) for its "
        "reading programme, and that in public places (leaderboards, share pages) the child "
        "is shown by nickname only, never by full name, school or birth year. I can "
        "withdraw this consent, download all of the child's data and delete the profile "
        "at any time (Law No. 27 of 2022 on Personal Data Protection)."
    ),
}


def current_text() -> ConsentText:
    return ConsentText(version=VERSION, wording=dict(WORDING))


def ensure_given(given: ConsentGiven | None) -> ConsentGiven:
    if given is None or not given.accepted:
        raise unprocessable(
            "A guardian's consent is needed to create a child profile: send consent "
            f'{{"accepted": true, "version": "{VERSION}"}} (wording: GET /v1/consent/child).',
            field="consent",
            slug="consent-required",
        )
    if given.version != VERSION:
        raise unprocessable(
            f"The consent wording is now version {VERSION}; show it and send that version.",
            field="consent.version",
            slug="consent-outdated",
        )
    return given


def record(
    session: Session, guardian: Member, child: Member, given: ConsentGiven, now: datetime
) -> GuardianConsent:
    row = GuardianConsent(
        child_id=child.id or 0,
        guardian_id=guardian.id or 0,
        version=given.version,
        language=given.language,
        wording=WORDING[given.language],
        given_at=now,
    )
    session.add(row)
    session.flush()
    return row


def records(session: Session, child_id: int) -> list[ConsentRecord]:
    rows = session.execute(
        select(GuardianConsent)
        .where(GuardianConsent.child_id == child_id)
        .order_by(GuardianConsent.id)
    ).scalars()
    return [
        ConsentRecord(
            child_id=r.child_id,
            guardian_id=r.guardian_id,
            version=r.version,
            language=r.language,
            wording=r.wording,
            given_at=r.given_at,
            withdrawn_at=r.withdrawn_at,
        )
        for r in rows
    ]


def has_active(session: Session, child_id: int) -> bool:
    return (
        session.execute(
            select(GuardianConsent.id).where(
                GuardianConsent.child_id == child_id, GuardianConsent.withdrawn_at.is_(None)
            )
        ).first()
        is not None
    )


def withdraw(session: Session, child: Member, now: datetime) -> None:
    """End consent and hide the child from every public place."""
    done = session.execute(
        update(GuardianConsent)
        .where(GuardianConsent.child_id == child.id, GuardianConsent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    if done.rowcount == 0:
        raise conflict("There is no consent in force for this child.", "no-consent")
    hide_publicly(session, child, now)


def hide_publicly(session: Session, member: Member, now: datetime) -> None:
    """Off every board (database and Redis) and every share page withdrawn."""
    if not member.leaderboard_opt_out:
        member_updating(session, member, {"leaderboard_opt_out": True})
        member.leaderboard_opt_out = True
        session.add(member)
    session.execute(
        update(Share)
        .where(Share.member_id == member.id, Share.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    session.flush()
