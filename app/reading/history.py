"""A reader's logs: the public shape, listing, and withdrawing one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlmodel import Session

from app.analytics import backlog, moves
from app.challenges import progress as challenge_progress
from app.core.db import lock_member
from app.core.pagination import decode_cursor, paginate
from app.core.problems import not_found
from app.models.book import Book, BookPublic
from app.models.member import Member, MemberLike
from app.models.reading import (
    ReadingLog,
    ReadingLogPublic,
)
from app.reading.context import (
    context_for,
)
from app.scoring import ACCEPTED
from app.services import (
    badge_awards,
    ledger,
)
from app.services.resettle import resettle


def log_public(log: ReadingLog, book: Book) -> ReadingLogPublic:
    return ReadingLogPublic(
        id=log.id or 0,
        member_id=log.member_id,
        book=BookPublic.of(book),
        pages=log.pages or None,
        minutes=log.minutes or None,
        finished=log.finished,
        read_on=log.read_on,
        hashtags=list(log.hashtags),
        note=log.note,
        rating=log.rating,
        status=log.status,
        review_reasons=list(log.review_reasons),
        points=log.points,
        pending_points=log.pending_points,
        logged_at=log.logged_at,
        deleted=log.deleted_at is not None,
        review_note=log.review_note,
    )


def list_logs(
    session: Session,
    member: MemberLike,
    limit: int,
    cursor: str | None,
    status: str | None = None,
) -> tuple[list[ReadingLogPublic], str | None]:
    after = decode_cursor(cursor, {"id": int})
    stmt = (
        select(ReadingLog, Book)
        .join(Book, Book.id == ReadingLog.book_id)
        .where(ReadingLog.member_id == member.id, ReadingLog.deleted_at.is_(None))
        .order_by(ReadingLog.id.desc())
        .limit(limit + 1)
    )
    if status:
        stmt = stmt.where(ReadingLog.status == status)
    if after:
        stmt = stmt.where(ReadingLog.id < after["id"])
    rows = list(session.execute(stmt).all())
    page, nxt = paginate(rows, limit, lambda r: {"id": r[0].id or 0})
    return [log_public(log, book) for log, book in page], nxt


def own_log(session: Session, caller: Member, log_id: int) -> ReadingLog:
    """A log of the caller or of the caller's child; 404 for everyone else's."""
    log = session.get(ReadingLog, log_id)
    if log is None or log.deleted_at is not None:
        raise not_found("Reading log")
    if log.member_id == caller.id:
        return log
    owner = session.get(Member, log.member_id)
    if caller.is_child or owner is None or owner.guardian_id != caller.id:
        raise not_found("Reading log")
    return log


def delete_log(session: Session, caller: Member, log_id: int, now: datetime) -> None:
    """Withdraw a log: its points are reversed by compensating rows, never erased."""
    log = own_log(session, caller, log_id)
    owner = session.get(Member, log.member_id)
    assert owner is not None
    ctx = context_for(session, owner, now)
    lock_member(session, owner.id or 0)
    # Read again under the lock: a delete or an approval that committed meanwhile
    # decides what is left to reverse (a log deletes once).
    session.refresh(log)
    if log.deleted_at is not None:
        raise not_found("Reading log")
    was_counted = log.status == ACCEPTED
    log.deleted_at = now
    if log.status == "pending_review":
        ledger.add_points(session, owner.id or 0, pending=-log.pending_points)
        log.pending_points = 0
    session.add(log)
    session.flush()
    if was_counted:
        backlog.take_in(session, log.id or 0)  # what it added, there to take away
        moves.uncount_log(
            session,
            owner,
            ctx.library_id,
            log.read_on,
            log.pages,
            log.minutes,
            list(log.challenge_ids),
        )
        resettle(session, owner, ctx.rules, now)
        challenge_progress.settle_progress(session, owner, log.read_on, now)
        badge_awards.revoke_unmet(session, owner, ctx.today, now)
