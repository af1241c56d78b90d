"""Who takes part in a challenge: joining, leaving, eligibility, the participants' list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

# Eligibility is also what a log's hashtag join checks, on the progress side.
from app.challenges.progress import eligible, progress_value
from app.core.db import insert_ignore, lock_member
from app.core.pagination import id_page
from app.core.problems import not_found, problem
from app.models.challenge import Challenge, ChallengeParticipant, ParticipantRow
from app.models.member import Member, age_group
from app.models.reading import ReadingLog


def join(
    session: Session,
    member: Member,
    ch: Challenge,
    today: date,
    now: datetime,
    via: str = "app",
) -> ChallengeParticipant:
    if not ch.published:
        raise not_found("Challenge")
    if today > ch.ends_on:
        raise problem("challenge.over")
    if not eligible(ch, member, today.year):
        group = age_group(member.birth_year, today.year)
        raise problem("challenge.not-for-age", groups=", ".join(ch.age_groups), group=group)
    insert_ignore(
        session,
        ChallengeParticipant.__table__,
        {
            "challenge_id": ch.id,
            "member_id": member.id,
            "joined_at": now,
            "joined_via": via,
            "progress": 0,
        },
    )
    part = session.get(ChallengeParticipant, (ch.id, member.id))
    assert part is not None
    if part.progress == 0:
        session.execute(
            update(ChallengeParticipant)
            .where(
                ChallengeParticipant.challenge_id == ch.id,
                ChallengeParticipant.member_id == member.id,
            )
            .values(progress=progress_value(session, member.id or 0, ch))
        )
        session.refresh(part)
    return part


def leave(session: Session, member: Member, ch: Challenge) -> None:
    # Under the member's lock a completion cannot land between the check and the delete.
    lock_member(session, member.id or 0)
    part = session.get(ChallengeParticipant, (ch.id, member.id), populate_existing=True)
    if part is None:
        raise not_found("Participation")
    if part.completed_at is not None:
        raise problem("challenge.completed-stays")
    session.delete(part)
    session.flush()


def participants(
    session: Session, ch: Challenge, year: int, limit: int, cursor: str | None
) -> tuple[list[ParticipantRow], str | None]:
    flagged = (
        select(func.count())
        .where(
            ReadingLog.member_id == ChallengeParticipant.member_id,
            ReadingLog.status == "pending_review",
            ReadingLog.deleted_at.is_(None),
            ReadingLog.read_on.between(ch.starts_on, ch.ends_on),
        )
        .correlate(ChallengeParticipant)
        .scalar_subquery()
    )
    stmt = (
        select(ChallengeParticipant, Member, flagged)
        .join(Member, Member.id == ChallengeParticipant.member_id)
        .where(ChallengeParticipant.challenge_id == ch.id)
    )
    key = ChallengeParticipant.member_id
    page, nxt = id_page(session, stmt, key, lambda r: r[1].id, limit, cursor)
    out = [
        ParticipantRow(
            member_id=m.id or 0,
            name=m.public_name() if m.is_child else m.display_name,
            is_child=m.is_child,
            age_group=age_group(m.birth_year, year),
            joined_at=p.joined_at,
            joined_via=p.joined_via,
            progress=p.progress,
            completed_at=p.completed_at,
            flagged_logs=int(n),
        )
        for p, m, n in page
    ]
    return out, nxt
