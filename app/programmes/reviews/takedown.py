"""Taking a published review down: staff withdraw their approval, or its writer removes it.

Either way the review's points and its count in the writer's review contests are taken
back in the same transaction (a completion the count no longer reaches is undone with its
bonus, as for reading challenges). Each step runs under the writer's lock, so an approval,
a withdrawal and a removal of one review cannot interleave and pay or take back twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import lock_member
from app.core.problems import conflict, not_found
from app.models.book import Book
from app.models.library import Library
from app.models.member import Member
from app.models.reading import AwardRow, ChallengeProgressBrief, LedgerEntry
from app.models.reviews import BookReview, ReviewTakenBack
from app.programmes.reviews import contest
from app.programmes.reviews.service import in_library, queue_item
from app.scoring.programmes import PROGRAMME_REVIEW
from app.services import ledger


def _take_back(
    session: Session, member: Member, review: BookReview, tz: str, now: datetime
) -> tuple[list[AwardRow], list[ChallengeProgressBrief]]:
    """Reverse the review's points and recount the writer's contests (the review no
    longer counts as approved when this runs)."""
    rows: list[ledger.Booked] = []
    paid = session.get(LedgerEntry, review.ledger_entry_id) if review.ledger_entry_id else None
    if paid is not None:
        rows = ledger.append(
            session,
            member,
            [ledger.Row(PROGRAMME_REVIEW, -paid.amount)],
            day=local_date(now, tz),
            now=now,
            timezone=tz,
        )
    progress, _ = contest.settle(session, member, review.written_on, now)
    return [ledger.award_row(r) for r in rows], progress


def withdraw(
    session: Session, staff: Member, lib: Library, review_id: int, reason: str, now: datetime
) -> ReviewTakenBack:
    """Unpublish an approved review, with the reason its writer will read; the writer may
    rewrite it, and it waits for staff again."""
    review = in_library(session, lib, review_id)
    lock_member(session, review.member_id)
    done = session.execute(
        update(BookReview)
        .where(BookReview.id == review.id, BookReview.status == "approved")
        .values(status="rejected", reviewed_at=now, reviewed_by=staff.id, reason=reason)
    )
    if done.rowcount != 1:
        raise conflict("Only a published (approved) review can be withdrawn.", "not-approved")
    session.refresh(review)
    member = session.get(Member, review.member_id)
    book = session.get(Book, review.book_id)
    assert member is not None and book is not None
    points, progress = _take_back(session, member, review, lib.timezone, now)
    session.execute(
        update(BookReview).where(BookReview.id == review.id).values(ledger_entry_id=None)
    )
    session.refresh(review)
    return ReviewTakenBack(
        review=queue_item(review, member, book),
        points=points,
        totals=ledger.totals(session, member.id or 0),
        challenges=progress,
    )


def remove(session: Session, member: Member, review_id: int, now: datetime) -> None:
    """The writer deletes their own review, whatever its status; a published one takes
    its points and contest progress with it."""
    lock_member(session, member.id or 0)
    review = session.get(BookReview, review_id, populate_existing=True)
    if review is None or review.member_id != member.id:
        raise not_found("Review")
    gone = session.execute(delete(BookReview).where(BookReview.id == review.id))
    if gone.rowcount != 1:
        raise not_found("Review")
    if review.status == "approved":
        lib = session.get(Library, member.library_id)
        assert lib is not None
        _take_back(session, member, review, lib.timezone, now)
