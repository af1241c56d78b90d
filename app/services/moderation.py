"""Staff review of logs that broke a plausibility cap: approve to count, or reject."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import Session

from app.challenges import progress as challenge_progress
from app.core.db import lock_member
from app.core.pagination import id_page
from app.core.problems import Problem, conflict, not_found
from app.models.book import Book
from app.models.member import Member
from app.models.reading import LogResult, ReadingLog, ReadingLogPublic
from app.reading.context import context_for
from app.reading.counting import count, first_finish_of
from app.reading.history import log_public
from app.scoring import ACCEPTED, PENDING_REVIEW, LogInput, score_log
from app.services import backfill, badge_awards, badges, ledger, stats


class Decision(BaseModel):
    """An optional reason for an approval or rejection; the member sees it with the log."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, min_length=1, max_length=500)


class FlaggedLog(BaseModel):
    log: ReadingLogPublic
    member_id: int
    member_name: str
    is_child: bool


def _staff_log(session: Session, staff: Member, log_id: int) -> ReadingLog:
    log = session.get(ReadingLog, log_id)
    # Another library's logs are not even confirmed to exist.
    if log is None or log.deleted_at is not None:
        raise not_found("Reading log")
    if staff.role != "admin" and log.library_id != staff.library_id:
        raise not_found("Reading log")
    owner = session.get(Member, log.member_id)
    if staff.id in (log.member_id, log.logged_by) or (owner and owner.guardian_id == staff.id):
        # their own, or one they logged for their child: another reviewer decides
        raise Problem(
            403,
            "own-log",
            "Staff do not review their own logs: another staff member or an administrator decides.",
        )
    return log


def _still_there(session: Session, log: ReadingLog) -> None:
    """Read the log again under its member's lock: deleted meanwhile, it is not found."""
    session.refresh(log)
    if log.deleted_at is not None:
        raise not_found("Reading log")


def queue(
    session: Session, status: str, limit: int, cursor: str | None, lib_id: int
) -> tuple[list[FlaggedLog], str | None]:
    """One library's logs in a review status, oldest first."""
    stmt = (
        select(ReadingLog, Book, Member)
        .join(Book, Book.id == ReadingLog.book_id)
        .join(Member, Member.id == ReadingLog.member_id)
        .where(
            ReadingLog.library_id == lib_id,
            ReadingLog.status == status,
            ReadingLog.deleted_at.is_(None),
        )
    )
    page, nxt = id_page(session, stmt, ReadingLog.id, lambda r: r[0].id, limit, cursor)
    out = [
        FlaggedLog(
            log=log_public(log, book),
            member_id=m.id or 0,
            member_name=m.public_name(),
            is_child=m.is_child,
        )
        for log, book, m in page
    ]
    return out, nxt


def approve(
    session: Session, staff: Member, log_id: int, now: datetime, reason: str | None = None
) -> LogResult:
    log = _staff_log(session, staff, log_id)
    owner = session.get(Member, log.member_id)
    assert owner is not None
    lock_member(session, owner.id or 0)
    _still_there(session, log)
    if log.status != PENDING_REVIEW:
        raise conflict(f"This log is {log.status}, not waiting for review.", "not-pending")
    ctx = context_for(session, owner, now)
    book = session.get(Book, log.book_id)
    assert book is not None
    log_in = LogInput(
        pages=log.pages,
        minutes=log.minutes,
        first_finish=log.finished and first_finish_of(session, owner.id or 0, book.id or 0),
        multiplier=log.multiplier,
    )
    # Staff have looked at it: the caps no longer hold it back. It counts from now.
    day = stats.day_state(session, owner.id or 0, log.read_on)
    outcome = score_log(log_in, day, ctx.rules, reviewed=True)
    ledger.add_points(session, owner.id or 0, pending=-log.pending_points)
    log.status = ACCEPTED
    log.pending_points = 0
    log.points = outcome.points  # what its ledger rows add up to
    log.counted_at = now  # it counts from now: the order replay follows
    log.reviewed_at = now
    log.reviewed_by = staff.id
    log.review_note = reason
    rows, _ = count(session, ctx, log, book, log_in, outcome, now)
    session.add(log)
    session.flush()
    if day.logs == 0:  # the day's first counted log: the days after it may gain streaks
        rows += backfill.pay_later_streaks(session, owner, log.read_on, ctx.rules, now)
    progress, bonus_rows = challenge_progress.settle_progress(session, owner, log.read_on, now)
    earned, badge_rows = badge_awards.award_earned(session, owner, log.read_on, now, log_id=log.id)
    return LogResult(
        log=log_public(log, book),
        awards=[ledger.award_row(r) for r in rows + bonus_rows + badge_rows],
        badges_earned=[badges.brief(b) for b in earned],
        totals=ledger.totals(session, owner.id or 0),
        challenges=progress,
    )


def reject(
    session: Session, staff: Member, log_id: int, now: datetime, reason: str | None = None
) -> ReadingLogPublic:
    log = _staff_log(session, staff, log_id)
    lock_member(session, log.member_id)
    _still_there(session, log)
    if log.status != PENDING_REVIEW:
        raise conflict(f"This log is {log.status}, not waiting for review.", "not-pending")
    ledger.add_points(session, log.member_id, pending=-log.pending_points)
    log.status = "rejected"
    log.pending_points = 0
    log.reviewed_at = now
    log.reviewed_by = staff.id
    log.review_note = reason
    session.add(log)
    session.flush()
    book = session.get(Book, log.book_id)
    assert book is not None
    return log_public(log, book)
