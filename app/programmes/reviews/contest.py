"""Review contests: challenges whose goal, `reviews`, counts approved reviews.

A participant's progress is the number of their approved reviews written inside the
contest's window (the library's local dates). A review carrying the contest's hashtag joins
an eligible member, as a reading log's hashtag does; it counts once staff approve it, also
when they approve it after the window closed, and stops counting when the approval is
withdrawn or the review removed.

How a window's progress is counted is kept per goal in app.challenges.progress, the
review goal's among them, so joining, showing progress, recording a completion once
(bonus points and badge) and taking it back are the ones every challenge uses, through
`progress.settle_progress`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from app.challenges import progress as challenges
from app.core.db import lock_member
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import Member
from app.models.reading import ChallengeProgressBrief
from app.services import ledger

GOAL = "reviews"


def _open_contests(session: Session, library_id: int, day: date) -> list[Challenge]:
    return list(
        session.execute(
            select(Challenge).where(
                Challenge.library_id == library_id,
                Challenge.goal == GOAL,
                Challenge.deleted_at.is_(None),
                Challenge.published.is_(True),
                Challenge.starts_on <= day,
                Challenge.ends_on >= day,
            )
        ).scalars()
    )


def join_by_hashtag(
    session: Session, member: Member, hashtags: Sequence[str], today: date, now: datetime
) -> None:
    """Join the member to the open contests whose hashtag the review carries (when their
    age group may take part), as a reading log's hashtag joins a challenge."""
    if not hashtags:
        return
    open_ = _open_contests(session, member.library_id or 0, today)
    if not open_:
        return
    joined = set(
        session.execute(
            select(ChallengeParticipant.challenge_id).where(
                ChallengeParticipant.member_id == member.id,
                ChallengeParticipant.challenge_id.in_([c.id for c in open_]),
            )
        ).scalars()
    )
    challenges.joined_for_log(session, member, open_, list(hashtags), today, now, joined)


def settle(
    session: Session, member: Member, written_on: date | None, now: datetime
) -> tuple[list[ChallengeProgressBrief], list[ledger.Booked]]:
    """Recount the member's contests whose window holds the review's day, after one of
    their reviews was approved, withdrawn or removed; a completion is recorded (or taken
    back) once, with its bonus, like every challenge's."""
    if written_on is None:  # written before contests existed
        return [], []
    lock_member(session, member.id or 0)
    open_ = [
        ch
        for ch in _open_contests(session, member.library_id or 0, written_on)
        if session.get(ChallengeParticipant, (ch.id, member.id)) is not None
    ]
    if not open_:
        return [], []
    return challenges.settle_progress(session, member, written_on, now, open_)
