"""A member's (or a guardian's child's) data as one JSON document, the "take it back" right
of UU 27/2022.

Read from the schema itself: every table with a `member_id` column gives the member's
rows, and every table with a `share_id` column the rows of the member's shares (their
views), so a table added later is exported without a change here. Secrets (hashes,
console cookies, CSRF tokens) and rendered images are left out; badges and challenges
also come with their names, which the raw rows only point at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import Column, LargeBinary, Table, select
from sqlmodel import Session, SQLModel

from app.accounts import consent
from app.models.account import AccountExport, GuardianConsent
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import Member
from app.models.share import Share
from app.services.members import describe

FORMAT = "bacaquest-export/1"
# Secrets of a sign-in, request replays, and visitors' keyed hashes (other people's).
_SKIPPED_TABLES = frozenset(
    {"console_session", "refresh_token", "idempotency_key", "share_visitor"}
)
_SECRET_COLUMNS = frozenset({"password_hash", "code_hash", "token_hash", "csrf_token"})


def _exported(column: Column[Any]) -> bool:
    return column.name not in _SECRET_COLUMNS and not isinstance(column.type, LargeBinary)


def _rows(session: Session, table: Table, column: str, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    cols = [c for c in table.columns if _exported(c)]
    order = list(table.primary_key.columns)
    stmt = select(*cols).where(table.c[column].in_(ids)).order_by(*order)
    return [dict(row._mapping) for row in session.execute(stmt)]


def _tables_with(column: str) -> list[Table]:
    return [
        t
        for name, t in sorted(SQLModel.metadata.tables.items())
        if column in t.c and name not in _SKIPPED_TABLES
    ]


def _badges(session: Session, member_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Badge.id, Badge.name, BadgeAward.awarded_at)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(BadgeAward.member_id == member_id)
        .order_by(BadgeAward.id)
    )
    return [dict(r._mapping) for r in rows]


def _challenges(session: Session, member_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Challenge.id, Challenge.title, Challenge.hashtag, ChallengeParticipant.joined_at)
        .join(Challenge, Challenge.id == ChallengeParticipant.challenge_id)
        .where(ChallengeParticipant.member_id == member_id)
        .order_by(ChallengeParticipant.joined_at)
    )
    return [dict(r._mapping) for r in rows]


def export(session: Session, member: Member, now: datetime) -> AccountExport:
    """Everything stored about `member`, as one document."""
    member_id = member.id or 0
    data: dict[str, list[dict[str, Any]]] = {}
    for table in _tables_with("member_id"):
        data[table.name] = _rows(session, table, "member_id", [member_id])
    share_ids = list(
        session.execute(select(Share.id).where(Share.member_id == member_id)).scalars()
    )
    for table in _tables_with("share_id"):
        data[table.name] = _rows(session, table, "share_id", [i for i in share_ids if i])
    given = session.execute(
        select(GuardianConsent.child_id).where(GuardianConsent.guardian_id == member_id)
    ).scalars()
    children = session.execute(
        select(Member.id, Member.nickname, Member.created_at)
        .where(Member.guardian_id == member_id, Member.deleted_at.is_(None))
        .order_by(Member.id)
    )
    return AccountExport(
        format=FORMAT,
        exported_at=now,
        profile=jsonable_encoder(
            {
                **describe(session, member, now).model_dump(),
                "created_at": member.created_at,
                "school_confirmed_at": member.school_confirmed_at,
            }
        ),
        consent=jsonable_encoder(consent.records(session, member_id)),
        consents_given_as_guardian=sorted(set(given)),
        children=jsonable_encoder([dict(r._mapping) for r in children]),
        badges=jsonable_encoder(_badges(session, member_id)),
        challenges=jsonable_encoder(_challenges(session, member_id)),
        data=jsonable_encoder(data),
    )
