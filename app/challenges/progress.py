"""What a reading log does to challenges: the ones it counts for (a hashtag joins), and
the member's progress recounted, with a completion recorded once or taken back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Date, bindparam, func, select, update
from sqlmodel import Session

from app.core import dbcompat
from app.core.db import insert_ignore
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import Member, MemberLike, age_group
from app.models.reading import ChallengeProgressBrief, LedgerEntry
from app.models.types import UtcDateTime
from app.scoring import BONUS_BADGE, BONUS_CHALLENGE
from app.services import ledger


def eligible(ch: Challenge, member: MemberLike, year: int) -> bool:
    """Whether the member's age group (in `year`) is one the challenge is for."""
    return age_group(member.birth_year, year) in ch.age_groups


# A member's counted reading inside a challenge's window, in its goal unit: one text
# for reading it (`progress_value`) and for storing it (`settle_progress`).
_PROGRESS_SQL = """
    SELECT {measure} FROM reading_log
    WHERE member_id = :member_id AND status = 'accepted' AND deleted_at IS NULL
        AND read_on BETWEEN :starts_on AND :ends_on
"""
_MEASURES = {
    "pages": "COALESCE(SUM(pages), 0)",
    "minutes": "COALESCE(SUM(minutes), 0)",
    "books": "COUNT(DISTINCT CASE WHEN finished THEN book_id END)",
}
# A review contest (app.programmes.reviews.contest) counts approved reviews written in
# its window, by the library's local dates.
_REVIEWS_SQL = """
    SELECT COUNT(*) FROM book_review
    WHERE member_id = :member_id AND status = 'approved'
        AND written_on BETWEEN :starts_on AND :ends_on
"""
_COUNTS = {goal: _PROGRESS_SQL.format(measure=measure) for goal, measure in _MEASURES.items()}
_COUNTS["reviews"] = _REVIEWS_SQL
_WINDOW = {"starts_on": Date(), "ends_on": Date()}
_PROGRESS = {goal: HotSql(sql, binds=_WINDOW) for goal, sql in _COUNTS.items()}
# The same, stored on the member's participation and read back in one statement.
_RECOUNT_SQL = """
    UPDATE challenge_participant SET progress = ({progress})
    WHERE challenge_id = :challenge_id AND member_id = :member_id
    RETURNING progress, completed_at
"""
_RECOUNT = {
    goal: HotSql(_RECOUNT_SQL.format(progress=sql), binds=_WINDOW, results=(None, UtcDateTime()))
    for goal, sql in _COUNTS.items()
}


def _window_of(member_id: int, ch: Challenge) -> dict[str, object]:
    return {
        "challenge_id": ch.id,
        "member_id": member_id,
        "starts_on": ch.starts_on,
        "ends_on": ch.ends_on,
    }


def progress_value(session: Session, member_id: int, ch: Challenge) -> int:
    """The member's counted reading inside the window, in the challenge's goal unit."""
    return int(_PROGRESS[ch.goal].one(session, _window_of(member_id, ch))[0])


_OPEN_WINDOWS = select(Challenge).where(
    Challenge.library_id == bindparam("library_id"),
    Challenge.deleted_at.is_(None),
    Challenge.published.is_(True),
    Challenge.starts_on <= bindparam("read_on"),
    Challenge.ends_on >= bindparam("read_on"),
)


def _windows_holding(session: Session, library_id: int, read_on: date) -> list[Challenge]:
    rows = session.execute(_OPEN_WINDOWS, {"library_id": library_id, "read_on": read_on})
    return list(rows.scalars())


_PARTICIPANT = ChallengeParticipant.__table__
_JOIN_BY_HASHTAG = HotSql(
    dbcompat.insert(_PARTICIPANT)
    .values(
        challenge_id=bindparam("challenge_id"),
        member_id=bindparam("member_id"),
        joined_at=bindparam("joined_at"),
        joined_via="hashtag",
        progress=0,
    )
    .on_conflict_do_nothing()
)


def joined_for_log(
    session: Session,
    member: MemberLike,
    open_: list[Challenge],
    hashtags: list[str],
    today: date,
    now: datetime,
    joined: Collection[int],
) -> list[Challenge]:
    """The challenges a log counts for: the joined ones among `open_` (the live ones whose
    window holds its read_on; `joined`: the member's challenges, read with the member's
    lock); a log carrying a challenge's hashtag joins the (eligible) member first."""
    if not open_:
        return []
    tags = {hashtag_key(t) for t in hashtags}
    joined = set(joined)
    out = []
    for ch in open_:
        if ch.id not in joined and ch.hashtag_key in tags and eligible(ch, member, today.year):
            _JOIN_BY_HASHTAG.run(
                session, {"challenge_id": ch.id, "member_id": member.id, "joined_at": now}
            )
            joined.add(ch.id)
        if ch.id in joined:
            out.append(ch)
    return out


def settle_progress(
    session: Session,
    member: MemberLike,
    read_on: date,
    now: datetime,
    challenges: list[Challenge] | None = None,
) -> tuple[list[ChallengeProgressBrief], list[ledger.Booked]]:
    """Recount the member's progress in the joined challenges whose window holds read_on;
    record a completion once (bonus, badge) or take it back when progress fell short."""
    if challenges is None:
        open_ = _windows_holding(session, member.library_id or 0, read_on)
        ids = (
            set(
                session.execute(
                    select(ChallengeParticipant.challenge_id).where(
                        ChallengeParticipant.member_id == member.id,
                        ChallengeParticipant.challenge_id.in_([c.id for c in open_]),
                    )
                ).scalars()
            )
            if open_
            else set()
        )
        challenges = [c for c in open_ if c.id in ids]
    out = []
    booked: list[ledger.Booked] = []
    cp = ChallengeParticipant.__table__.c
    for ch in challenges:
        # Recounted from the counted logs in the window and stored in one statement.
        recounted = _RECOUNT[ch.goal].first(session, _window_of(member.id or 0, ch))
        if recounted is None:  # left the challenge meanwhile
            continue
        current, completed_at = recounted
        completed = completed_at is not None
        completed_now = False
        if current >= ch.target and not completed:
            key = (cp.challenge_id == ch.id, cp.member_id == member.id)
            # The conditional update records completion once, whatever the race.
            done = session.execute(
                update(ChallengeParticipant.__table__)
                .where(*key, cp.completed_at.is_(None))
                .values(completed_at=now)
            )
            if done.rowcount == 1:
                completed = completed_now = True
                booked += _reward(session, member, ch, read_on, now)
        elif current < ch.target and completed:
            key = (cp.challenge_id == ch.id, cp.member_id == member.id)
            undone = session.execute(
                update(ChallengeParticipant.__table__)
                .where(*key, cp.completed_at.is_not(None))
                .values(completed_at=None)
            )
            if undone.rowcount == 1:
                completed = False
                _take_back(session, member, ch, read_on, now)
        out.append(
            ChallengeProgressBrief(
                challenge_id=ch.id or 0,
                title=ch.title,
                hashtag=ch.hashtag,
                goal=ch.goal,
                target=ch.target,
                current=current,
                completed=completed,
                completed_now=completed_now,
            )
        )
    return out, booked


def _reward(
    session: Session, member: MemberLike, ch: Challenge, day: date, now: datetime
) -> list[ledger.Booked]:
    session.execute(
        update(Member)
        .where(Member.id == member.id)
        .values(challenges_completed=Member.challenges_completed + 1)
    )
    rows = []
    if ch.bonus_points:
        rows.append(ledger.Row(BONUS_CHALLENGE, ch.bonus_points, challenge_id=ch.id))
    if ch.badge_id is not None and insert_ignore(
        session,
        BadgeAward.__table__,
        {"member_id": member.id, "badge_id": ch.badge_id, "awarded_at": now, "log_id": None},
    ):
        badge = session.get(Badge, ch.badge_id)
        if badge is not None and badge.bonus_points:
            rows.append(ledger.Row(BONUS_BADGE, badge.bonus_points, badge_id=badge.id))
    return ledger.append(session, member, rows, day=day, now=now)


def _take_back(
    session: Session, member: MemberLike, ch: Challenge, day: date, now: datetime
) -> None:
    session.execute(
        update(Member)
        .where(Member.id == member.id)
        .values(challenges_completed=Member.challenges_completed - 1)
    )
    paid = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member.id,
            LedgerEntry.challenge_id == ch.id,
            LedgerEntry.rule_code == BONUS_CHALLENGE,
        )
    ).scalar_one()
    if paid:
        ledger.append(
            session,
            member,
            [ledger.Row(BONUS_CHALLENGE, -int(paid), challenge_id=ch.id)],
            day=day,
            now=now,
        )
