"""Reviews and feedback: members write, staff moderate; approved reviews earn points once
per book and show on the book's public page; consenting feedback becomes testimonials.

A review is one per member and book (a unique pair); its decision is a conditional update
from `pending`, so two staff deciding at once cannot both pay the points.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import insert_ignore, lock_member
from app.core.pagination import id_page
from app.core.problems import conflict, not_found
from app.models.book import Book
from app.models.library import Library
from app.models.member import Member
from app.models.reading import MemberBook
from app.models.reviews import (
    BookReview,
    BookReviews,
    Feedback,
    FeedbackCreate,
    FeedbackStaffView,
    MyReview,
    ReviewApproved,
    ReviewCreate,
    ReviewPublic,
    ReviewQueueItem,
    Testimonial,
)
from app.programmes.common import awards_out, book_reward
from app.programmes.reviews import contest
from app.scoring.programmes import PROGRAMME_REVIEW, REVIEW_POINTS
from app.services import badge_awards, ledger

MAX_TESTIMONIALS = 6


def write(
    session: Session, member: Member, book_id: int, data: ReviewCreate, now: datetime
) -> BookReview:
    if session.get(Book, book_id) is None:
        raise not_found("Book")
    if session.get(MemberBook, (member.id, book_id)) is None:
        raise conflict("Finish the book (log it as finished) before reviewing it.", "not-finished")
    earlier = session.execute(
        select(BookReview).where(BookReview.member_id == member.id, BookReview.book_id == book_id)
    ).scalar_one_or_none()
    if earlier is not None and earlier.status != "rejected":
        raise conflict("You have already reviewed this book.", "already-reviewed")
    lib = session.get(Library, member.library_id)
    assert lib is not None
    today = local_date(now, lib.timezone)
    contest.join_by_hashtag(session, member, data.hashtags, today, now)
    if earlier is not None:  # a rejected review may be rewritten, and waits for staff again
        earlier.rating, earlier.text, earlier.status = data.rating, data.text.strip(), "pending"
        earlier.created_at, earlier.reviewed_at, earlier.reviewed_by = now, None, None
        earlier.reason, earlier.written_on = None, today
        session.add(earlier)
        session.flush()
        return earlier
    # The unique (member, book) pair settles two simultaneous first reviews.
    if not insert_ignore(
        session,
        BookReview.__table__,
        {
            "library_id": member.library_id,
            "book_id": book_id,
            "member_id": member.id,
            "rating": data.rating,
            "text": data.text.strip(),
            "status": "pending",
            "created_at": now,
            "written_on": today,
        },
    ):
        raise conflict("You have already reviewed this book.", "already-reviewed")
    return session.execute(
        select(BookReview).where(BookReview.member_id == member.id, BookReview.book_id == book_id)
    ).scalar_one()


def _public(review: BookReview, member: Member) -> ReviewPublic:
    return ReviewPublic(
        id=review.id or 0,
        book_id=review.book_id,
        rating=review.rating,
        text=review.text,
        reviewer=member.public_name(),
        created_at=review.created_at,
    )


def mine(review: BookReview, member: Member) -> MyReview:
    return MyReview(
        **_public(review, member).model_dump(), status=review.status, reason=review.reason
    )


def my_reviews(session: Session, member: Member) -> list[MyReview]:
    rows = session.execute(
        select(BookReview).where(BookReview.member_id == member.id).order_by(BookReview.id.desc())
    ).scalars()
    return [mine(r, member) for r in rows]


def queue_item(review: BookReview, member: Member, book: Book) -> ReviewQueueItem:
    return ReviewQueueItem(
        **_public(review, member).model_dump(),
        status=review.status,
        member_id=member.id or 0,
        is_child=member.is_child,
        book_title=book.title,
    )


def queue(
    session: Session, lib: Library, status: str, limit: int, cursor: str | None
) -> tuple[list[ReviewQueueItem], str | None]:
    stmt = (
        select(BookReview, Member, Book)
        .join(Member, Member.id == BookReview.member_id)
        .join(Book, Book.id == BookReview.book_id)
        .where(BookReview.library_id == lib.id, BookReview.status == status)
    )
    page, nxt = id_page(session, stmt, BookReview.id, lambda r: r[0].id, limit, cursor)
    return [queue_item(r, m, b) for r, m, b in page], nxt


def in_library(session: Session, lib: Library, review_id: int) -> BookReview:
    review = session.get(BookReview, review_id)
    if review is None or review.library_id != lib.id:
        raise not_found("Review")
    return review


def _decide(
    session: Session,
    staff: Member,
    review: BookReview,
    status: str,
    reason: str | None,
    now: datetime,
) -> None:
    done = session.execute(
        update(BookReview)
        .where(BookReview.id == review.id, BookReview.status == "pending")
        .values(status=status, reviewed_at=now, reviewed_by=staff.id, reason=reason)
    )
    if done.rowcount != 1:
        raise conflict("This review has already been decided.", "already-decided")
    session.refresh(review)


def approve(
    session: Session, staff: Member, lib: Library, review_id: int, reason: str | None, now: datetime
) -> ReviewApproved:
    """Publish a review and pay its points (once per member and book); it counts for the
    writer's review contests whose window holds the day it was written."""
    review = in_library(session, lib, review_id)
    lock_member(session, review.member_id)
    _decide(session, staff, review, "approved", reason, now)
    member = session.get(Member, review.member_id)
    book = session.get(Book, review.book_id)
    assert member is not None and book is not None
    day = local_date(now, lib.timezone)
    booked, earned = book_reward(
        session,
        member,
        [ledger.Row(PROGRAMME_REVIEW, REVIEW_POINTS)],
        badge_id=None,
        day=day,
        now=now,
        timezone=lib.timezone,
    )
    own = next((b for b in booked if b.rule_code == PROGRAMME_REVIEW), None)
    if own is not None:
        session.execute(
            update(BookReview).where(BookReview.id == review.id).values(ledger_entry_id=own.id)
        )
    progress, bonus = contest.settle(session, member, review.written_on, now)
    if any(p.completed_now for p in progress):  # badges counting completed challenges
        more, more_rows = badge_awards.award_earned(session, member, day, now)
        earned, bonus = earned + more, bonus + more_rows
    points, badges_out = awards_out(booked + bonus, earned)
    return ReviewApproved(
        review=queue_item(review, member, book),
        points=points,
        badges_earned=badges_out,
        totals=ledger.totals(session, member.id or 0),
        challenges=progress,
    )


def reject(
    session: Session, staff: Member, lib: Library, review_id: int, reason: str | None, now: datetime
) -> ReviewQueueItem:
    review = in_library(session, lib, review_id)
    _decide(session, staff, review, "rejected", reason, now)
    member = session.get(Member, review.member_id)
    book = session.get(Book, review.book_id)
    assert member is not None and book is not None
    return queue_item(review, member, book)


def book_page(
    session: Session, lib: Library, book_id: int, limit: int, cursor: str | None
) -> tuple[BookReviews, str | None]:
    """A book in one library: approved reviews, their average rating, and its readers."""
    book = session.get(Book, book_id)
    if book is None:
        raise not_found("Book")
    approved = (
        BookReview.book_id == book_id,
        BookReview.library_id == lib.id,
        BookReview.status == "approved",
    )
    count, average = session.execute(
        select(func.count(), func.avg(BookReview.rating)).where(*approved)
    ).one()
    readers = session.execute(
        select(func.count())
        .select_from(MemberBook)
        .join(Member, Member.id == MemberBook.member_id)
        .where(MemberBook.book_id == book_id, Member.library_id == lib.id)
    ).scalar_one()
    stmt = (
        select(BookReview, Member).join(Member, Member.id == BookReview.member_id).where(*approved)
    )
    page, nxt = id_page(
        session, stmt, BookReview.id, lambda r: r[0].id, limit, cursor, newest_first=True
    )
    return (
        BookReviews(
            book_id=book_id,
            title=book.title,
            library=lib.slug,
            average_rating=round(float(average), 1) if average is not None else None,
            reviews_count=int(count),
            readers=int(readers),
            reviews=[_public(r, m) for r, m in page],
            next_cursor=nxt,
        ),
        nxt,
    )


# --- feedback and testimonials -------------------------------------------------------


def send_feedback(
    session: Session, member: Member, data: FeedbackCreate, now: datetime
) -> Feedback:
    fb = Feedback(
        library_id=member.library_id or 0,
        member_id=member.id or 0,
        rating=data.rating,
        text=data.text.strip(),
        consent_to_publish=data.consent_to_publish,
        created_at=now,
    )
    session.add(fb)
    session.flush()
    return fb


def feedback_list(
    session: Session, lib: Library, testimonials_only: bool, limit: int, cursor: str | None
) -> tuple[list[FeedbackStaffView], str | None]:
    stmt = (
        select(Feedback, Member)
        .join(Member, Member.id == Feedback.member_id)
        .where(Feedback.library_id == lib.id)
    )
    if testimonials_only:
        stmt = stmt.where(Feedback.testimonial.is_(True))
    page, nxt = id_page(
        session, stmt, Feedback.id, lambda r: r[0].id, limit, cursor, newest_first=True
    )
    return [staff_view(f, m) for f, m in page], nxt


def staff_view(fb: Feedback, member: Member) -> FeedbackStaffView:
    return FeedbackStaffView(
        id=fb.id or 0,
        rating=fb.rating,
        text=fb.text,
        consent_to_publish=fb.consent_to_publish,
        testimonial=fb.testimonial,
        created_at=fb.created_at,
        member_id=member.id or 0,
        name=member.public_name(),
    )


def mark(
    session: Session, staff: Member, lib: Library, feedback_id: int, on: bool, now: datetime
) -> FeedbackStaffView:
    fb = session.get(Feedback, feedback_id)
    if fb is None or fb.library_id != lib.id:
        raise not_found("Feedback")
    if on and not fb.consent_to_publish:
        raise conflict("The member did not agree to publish this feedback.", "no-consent")
    fb.testimonial, fb.marked_at, fb.marked_by = on, now, staff.id
    session.add(fb)
    session.flush()
    member = session.get(Member, fb.member_id)
    assert member is not None
    return staff_view(fb, member)


def testimonials(
    session: Session, lib: Library, limit: int = MAX_TESTIMONIALS
) -> list[Testimonial]:
    """What the library's public page shows: marked, consenting feedback, newest first."""
    rows = session.execute(
        select(Feedback, Member)
        .join(Member, Member.id == Feedback.member_id)
        .where(
            Feedback.library_id == lib.id,
            Feedback.testimonial.is_(True),
            Feedback.consent_to_publish.is_(True),
        )
        .order_by(Feedback.marked_at.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()
    return [Testimonial(name=m.public_name(), rating=f.rating, text=f.text) for f, m in rows]
