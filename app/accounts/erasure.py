"""Deleting an account (its owner) or a child profile (its guardian), UU 27/2022.

Personal data is erased, not the member's row: the ledger, the counters and the library's
figures keep their points (and `ledger verify` stays clean), but nothing in them says who
it was any more. In one transaction:

- name, nickname, email, password, school and its confirmation are erased; the birth
  year stays, without a name, because the library's figures count readers by age group;
- every sign-in ends (refresh tokens with their family, console sessions deleted), and
  an access token still in flight is refused at once (the sign-in check reads
  `deleted_at`), also a guardian's token acting for a deleted child;
- the member leaves every board (database and Redis) and every share answers 410, the name in
  its stored text and its rendered cards erased;
- free text the member wrote (reading notes, reviews, feedback), chat links, replayable
  request answers and the library-card link are removed; draw entries keep their place
  under a neutral name so a published draw still verifies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.core.db import lock_member
from app.leaderboards import member_updating
from app.models.chat import ChatLink, ChatLinkCode
from app.models.console import ConsoleSession
from app.models.drawings import DrawingEntry, DrawingWinner
from app.models.member import Member
from app.models.reading import IdempotencyKey, ReadingLog
from app.models.reviews import BookReview, Feedback
from app.models.share import Share, ShareImage
from app.models.slims import SlimsMember
from app.services.auth import end_other_sessions

ERASED_NAME = "Pembaca"  # what a published draw shows where the member's nickname was


def erase(session: Session, member: Member, now: datetime) -> None:
    """Take `member` back, with every child profile they manage."""
    children = session.execute(
        select(Member).where(Member.guardian_id == member.id, Member.deleted_at.is_(None))
    ).scalars()
    for child in list(children):
        _erase_one(session, child, now)
    _erase_one(session, member, now)


def _erase_one(session: Session, member: Member, now: datetime) -> None:
    member_id = member.id or 0
    lock_member(session, member_id)
    # Off every board, in the database and in Redis, under a name that says nothing.
    member_updating(
        session,
        member,
        {"leaderboard_opt_out": True, "school": None, "nickname": None, "display_name": ""},
    )
    _withdraw_shares(session, member_id, now)
    end_other_sessions(session, member_id, None, now)
    session.execute(delete(ConsoleSession).where(ConsoleSession.member_id == member_id))
    session.execute(
        update(ReadingLog)
        .where(ReadingLog.member_id == member_id)
        .values(note=None, review_note=None)
    )
    for table in (BookReview, Feedback, ChatLink, ChatLinkCode, IdempotencyKey):
        session.execute(delete(table).where(table.member_id == member_id))
    session.execute(
        update(DrawingEntry).where(DrawingEntry.member_id == member_id).values(name=ERASED_NAME)
    )
    session.execute(
        update(DrawingWinner)
        .where(DrawingWinner.member_id == member_id)
        .values(collected_by=None, note=None)
    )
    # The library's own card register stays the library's; it no longer points here.
    session.execute(
        update(SlimsMember)
        .where(SlimsMember.member_id == member_id)
        .values(member_id=None, claimed_at=None)
    )
    member.display_name = ""
    member.nickname = None
    member.nickname_key = None
    member.email = None
    member.password_hash = None
    member.school = None
    member.school_confirmed_at = None
    member.leaderboard_opt_out = True
    member.deleted_at = now
    session.add(member)
    session.flush()


def _withdraw_shares(session: Session, member_id: int, now: datetime) -> None:
    shares = session.execute(select(Share).where(Share.member_id == member_id)).scalars()
    ids = []
    for share in list(shares):
        ids.append(share.id)
        # The 410 page reads the context (its language); the name in it goes.
        share.context = {**share.context, "display_name": ERASED_NAME}
        if share.deleted_at is None:
            share.deleted_at = now
        session.add(share)
    if ids:
        session.execute(delete(ShareImage).where(ShareImage.share_id.in_(ids)))
    session.flush()
