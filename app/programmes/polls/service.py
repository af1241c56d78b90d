"""Polls: staff ask one question; each member votes once (the vote's primary key makes it
so, whatever the race); results show after voting or only after closing, as staff chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from app.core.access import is_staff_of, staff_only, visible_row
from app.core.clock import as_utc
from app.core.db import insert_ignore
from app.core.pagination import id_page
from app.core.problems import conflict, unprocessable
from app.models.library import Library
from app.models.member import Member
from app.models.quizzes import OptionOut, Poll, PollCreate, PollOptionResult, PollPublic, PollVote
from app.programmes.common import lock_row, to_utc
from app.programmes.quizzes.service import check_subject


def visible(session: Session, member: Member, poll_id: int) -> Poll:
    return visible_row(session, Poll, poll_id, member, "Poll")


def editable(session: Session, staff: Member, poll_id: int) -> Poll:
    return staff_only(
        visible(session, staff, poll_id), staff, "Only this library's staff may manage its polls."
    )


def is_closed(poll: Poll, now: datetime) -> bool:
    return poll.closed_at is not None or (
        poll.closes_at is not None and as_utc(poll.closes_at) <= now
    )


def create(session: Session, staff: Member, lib: Library, data: PollCreate, now: datetime) -> Poll:
    check_subject(session, lib.id or 0, data.book_id, data.challenge_id)
    closes_at = to_utc(data.closes_local, lib.timezone) if data.closes_local else None
    if closes_at is not None and closes_at <= now:
        raise unprocessable("The poll would already be closed.", field="closes_local")
    poll = Poll(
        library_id=lib.id or 0,
        question=data.question,
        question_en=data.question_en,
        options=[o.model_dump() for o in data.options],
        results=data.results,
        book_id=data.book_id,
        challenge_id=data.challenge_id,
        closes_at=closes_at,
        created_by=staff.id or 0,
        created_at=now,
    )
    session.add(poll)
    session.flush()
    return poll


def vote(session: Session, member: Member, poll: Poll, option: int, now: datetime) -> None:
    lock_row(session, poll, share=True)  # the options voted on are the current ones
    if is_closed(poll, now):
        raise conflict("This poll is closed.", "poll-closed")
    if option >= len(poll.options):
        raise unprocessable(f"This poll has options 0 to {len(poll.options) - 1}.", "option")
    if not insert_ignore(
        session,
        PollVote.__table__,
        {"poll_id": poll.id, "member_id": member.id, "option": option, "voted_at": now},
    ):
        raise conflict("You have already voted in this poll.", "already-voted")


def close(session: Session, poll: Poll, now: datetime) -> Poll:
    if poll.closed_at is None:
        poll.closed_at = now
        session.add(poll)
        session.flush()
    return poll


def _label(raw: dict[str, object], lang: str) -> str:
    if lang == "en" and raw.get("text_en"):
        return str(raw["text_en"])
    return str(raw["text"])


def public(
    session: Session, poll: Poll, member: Member, language: str, now: datetime
) -> PollPublic:
    lang = "en" if language == "en" else "id"
    mine = session.get(PollVote, (poll.id, member.id))
    closed = is_closed(poll, now)
    show = (
        closed
        or is_staff_of(member, poll.library_id)
        or (poll.results == "after_vote" and mine is not None)
    )
    results: list[PollOptionResult] | None = None
    total: int | None = None
    if show:
        counts: dict[int, int] = {
            int(option): int(n)
            for option, n in session.execute(
                select(PollVote.option, func.count())
                .where(PollVote.poll_id == poll.id)
                .group_by(PollVote.option)
            )
        }
        total = sum(counts.values())
        results = [
            PollOptionResult(
                index=i,
                text=_label(o, lang),
                votes=int(counts.get(i, 0)),
                percent=int(counts.get(i, 0)) * 100 // total if total else 0,
            )
            for i, o in enumerate(poll.options)
        ]
    return PollPublic(
        id=poll.id or 0,
        question=poll.question_en if lang == "en" and poll.question_en else poll.question,
        language=lang,
        options=[OptionOut(index=i, text=_label(o, lang)) for i, o in enumerate(poll.options)],
        results_visibility=poll.results,
        book_id=poll.book_id,
        challenge_id=poll.challenge_id,
        closes_at=poll.closes_at,
        closed=closed,
        my_vote=mine.option if mine else None,
        votes=total,
        results=results,
    )


def list_for(
    session: Session,
    member: Member,
    lib: Library,
    language: str,
    status: str,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> tuple[list[PollPublic], str | None]:
    stmt = select(Poll).where(Poll.library_id == lib.id)
    open_ = Poll.closed_at.is_(None) & or_(Poll.closes_at.is_(None), col(Poll.closes_at) > now)
    stmt = stmt.where(open_ if status == "open" else ~open_)
    page, nxt = id_page(
        session, stmt, col(Poll.id), lambda p: p.id, limit, cursor, newest_first=True, scalars=True
    )
    return [public(session, p, member, language, now) for p in page], nxt
