"""What a reading log does to challenges: the ones it counts for (a hashtag joins), and
the member's progress recounted, with a completion recorded once or taken back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, distinct, func, select, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.core import dbcompat
from app.core.db import insert_ignore
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.member import Member, MemberLike, age_group
from app.models.reading import ChallengeProgressBrief, LedgerEntry, ReadingLog
from app.models.reviews import BookReview
from app.scoring import ACCEPTED, BONUS_BADGE, BONUS_CHALLENGE
from app.services import ledger


def eligible(ch: Challenge, member: MemberLike, year: int) -> bool:
    """Whether the member's age group (in `year`) is one the challenge is for."""
    return age_group(member.birth_year, year) in ch.age_groups


# A member's counted reading inside a challenge's window, in its goal unit: one
# statement for reading it (`progress_value`) and, as a subquery, for storing it
# (`settle_progress`).
_log = ReadingLog.__table__.c
_MEASURES: dict[str, ColumnElement[int]] = {
    "pages": func.coalesce(func.sum(_log.pages), 0),
    "minutes": func.coalesce(func.sum(_log.minutes), 0),
    "books": func.count(distinct(case((_log.finished, _log.book_id)))),
}
_COUNTS: dict[str, Select[Any]] = {
    goal: select(measure).where(
        _log.member_id == bindparam("member_id"),
        _log.status == ACCEPTED,
        _log.deleted_at.is_(None),
        _log.read_on.between(bindparam("starts_on"), bindparam("ends_on")),
    )
    for goal, measure in _MEASURES.items()
}
# A review contest (app.programmes.reviews.contest) counts approved reviews written in
# its window, by the library's local dates.
_review = BookReview.__table__.c
_COUNTS["reviews"] = (
    select(func.count())
    .select_from(BookReview.__table__)
    .where(
        _review.member_id == bindparam("member_id"),
        _review.status == "approved",
        _review.written_on.between(bindparam("starts_on"), bindparam("ends_on")),
    )
)
_PROGRESS = {goal: HotSql(stmt) for goal, stmt in _COUNTS.items()}
# The same, stored on the member's participation and read back in one statement.
_PARTICIPANT = ChallengeParticipant.__table__
_cp = _PARTICIPANT.c
_RECOUNT = {
    goal: HotSql(
        update(_PARTICIPANT)
        .where(
            _cp.challenge_id == bindparam("challenge_id"), _cp.member_id == bindparam("member_id")
        )
        .values(progress=stmt.scalar_subquery())
        .returning(_cp.progress, _cp.completed_at)
    )
    for goal, stmt in _COUNTS.items()
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
