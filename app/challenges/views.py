"""What a challenge looks like to its readers: who may see it, its public shape, lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from app.challenges.progress import progress_value
from app.core.access import is_staff_of, visible_published
from app.core.pagination import id_page
from app.core.problems import not_found
from app.models.challenge import Challenge, ChallengeParticipant, ChallengePublic, MyProgress
from app.models.library import Library
from app.models.member import Member
from app.scoring.badges import progress_label

# What each goal counts, by the name of its figure (`reviews`: approved reviews, a
# review contest, counted by app.programmes.reviews.contest).
GOAL_METRIC = {
    "books": "books_finished",
    "pages": "pages",
    "minutes": "minutes",
    "reviews": "reviews",
}


def status_of(ch: Challenge, today: date) -> str:
    if today < ch.starts_on:
        return "upcoming"
    if today > ch.ends_on:
        return "past"
    return "active"


def visible(session: Session, member: Member, challenge_id: int) -> Challenge:
    """A challenge the caller may see: their library's, and drafts only for its staff."""
    ch = visible_published(session, Challenge, challenge_id, member, "Challenge")
    if ch.deleted_at is not None:
        raise not_found("Challenge")
    return ch


def participant_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return {
        cid: int(n)
        for cid, n in session.execute(
            select(ChallengeParticipant.challenge_id, func.count())
            .where(ChallengeParticipant.challenge_id.in_(ids))
            .group_by(ChallengeParticipant.challenge_id)
        )
    }


def _my_progress(
    ch: Challenge, part: ChallengeParticipant | None, current: int, language: str
) -> MyProgress:
    return MyProgress(
        joined=part is not None,
        current=current,
        target=ch.target,
        percent=min(100, current * 100 // ch.target),
        completed=part is not None and part.completed_at is not None,
        completed_at=part.completed_at if part else None,
        label=progress_label(
            GOAL_METRIC[ch.goal],
            min(current, ch.target),
            ch.target,
            "en" if language == "en" else "id",
        ),
    )


def public(
    session: Session,
    ch: Challenge,
    lib: Library,
    today: date,
    member: Member | None,
    participants: int | None = None,
) -> ChallengePublic:
    """The one place a challenge's public shape is built (API and console alike)."""
    me = None
    if member is not None:
        part = session.get(ChallengeParticipant, (ch.id, member.id))
        if part is not None:
            me = _my_progress(ch, part, part.progress, member.language)
    return ChallengePublic(
        id=ch.id or 0,
        library=lib.slug,
        title=ch.title,
        description=ch.description,
        hashtag=ch.hashtag,
        starts_on=ch.starts_on,
        ends_on=ch.ends_on,
        status=status_of(ch, today),
        goal=ch.goal,
        target=ch.target,
        age_groups=list(ch.age_groups),
        bonus_points=ch.bonus_points,
        badge_id=ch.badge_id,
        published=ch.published,
        ended_early=ch.ended_early,
        participants=participants
        if participants is not None
        else participant_counts(session, [ch.id or 0]).get(ch.id or 0, 0),
        me=me,
    )


def list_for(
    session: Session,
    member: Member,
    lib: Library,
    status: str | None,
    today: date,
    limit: int,
    cursor: str | None,
) -> tuple[list[ChallengePublic], str | None]:
    stmt = select(Challenge).where(Challenge.library_id == lib.id, Challenge.deleted_at.is_(None))
    if not is_staff_of(member, lib.id or 0):
        stmt = stmt.where(Challenge.published.is_(True))
    if status == "active":
        stmt = stmt.where(Challenge.starts_on <= today, Challenge.ends_on >= today)
    elif status == "upcoming":
        stmt = stmt.where(Challenge.starts_on > today)
    elif status == "past":
        stmt = stmt.where(Challenge.ends_on < today)
    page, nxt = id_page(session, stmt, Challenge.id, lambda c: c.id, limit, cursor, scalars=True)
    counts = participant_counts(session, [c.id or 0 for c in page])
    return [public(session, c, lib, today, member, counts.get(c.id or 0, 0)) for c in page], nxt


def my_progress(session: Session, member: Member, ch: Challenge) -> MyProgress:
    part = session.get(ChallengeParticipant, (ch.id, member.id))
    current = part.progress if part else progress_value(session, member.id or 0, ch)
    return _my_progress(ch, part, current, member.language)
