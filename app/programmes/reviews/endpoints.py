"""Reviews, feedback and testimonials over HTTP: members write; staff moderate and choose
testimonials; a book's reviews and a library's testimonials are public."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, StaffLibrary, StaffMember
from app.models.reviews import (
    BookReviews,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackStaffView,
    MyReview,
    ReviewApproved,
    ReviewCreate,
    ReviewDecision,
    ReviewQueueItem,
    ReviewTakenBack,
    ReviewWithdrawal,
    Testimonial,
    TestimonialMark,
)
from app.programmes.reviews import service, takedown
from app.services.libraries import get_by_slug

router = APIRouter(tags=["reviews"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$")]


@router.post(
    "/v1/books/{book_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=MyReview,
    responses=problems(401, 404, 409),
)
def write_review(
    book_id: Id, data: ReviewCreate, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> MyReview:
    """Review a book you finished, with a rating; public once staff approve it."""
    return service.mine(service.write(session, member, book_id, data, clock.now()), member)


@router.delete(
    # Digits only: DELETE on /v1/reviews/mine stays a 405, not a review's id.
    "/v1/reviews/{review_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404),
)
def delete_review(
    review_id: Id, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> None:
    """Remove your review; a published one takes its points and review-contest progress
    with it, and you may review the book again."""
    takedown.remove(session, member, review_id, clock.now())


@router.get("/v1/reviews/mine", response_model=list[MyReview], responses=problems(401))
def my_reviews(member: CurrentMember, session: SessionDep) -> list[MyReview]:
    """Your reviews and where each stands."""
    return service.my_reviews(session, member)


@router.get(
    "/v1/libraries/{slug}/books/{book_id}/reviews",
    response_model=BookReviews,
    responses=problems(404),
)
def book_reviews(
    slug: SlugPath,
    book_id: Id,
    session: SessionDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> BookReviews:
    """A book's approved reviews in a library, its average rating and its readers there
    (public; reviewers by nickname); more reviews with `next_cursor`."""
    page, _ = service.book_page(session, get_by_slug(session, slug), book_id, limit, cursor)
    return page


@router.get(
    "/v1/moderation/reviews",
    response_model=Page[ReviewQueueItem],
    responses=problems(401, 403),
    tags=["moderation"],
)
def review_queue(
    lib: StaffLibrary,
    session: SessionDep,
    status: Annotated[Literal["pending", "approved", "rejected"], Query()] = "pending",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ReviewQueueItem]:
    """Reviews waiting for a decision, oldest first (staff)."""
    items, nxt = service.queue(session, lib, status, limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/v1/moderation/reviews/{review_id}/approve",
    response_model=ReviewApproved,
    responses=problems(401, 403, 404, 409),
    tags=["moderation"],
)
def approve_review(
    review_id: Id,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
    data: ReviewDecision | None = None,
) -> ReviewApproved:
    """Publish a review; its writer earns the review points (staff)."""
    reason = data.reason if data else None
    return service.approve(session, staff, lib, review_id, reason, clock.now())


@router.post(
    "/v1/moderation/reviews/{review_id}/reject",
    response_model=ReviewQueueItem,
    responses=problems(401, 403, 404, 409),
    tags=["moderation"],
)
def reject_review(
    review_id: Id,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
    data: ReviewDecision | None = None,
) -> ReviewQueueItem:
    """Keep a review private, with the reason the writer will see (staff)."""
    reason = data.reason if data else None
    return service.reject(session, staff, lib, review_id, reason, clock.now())


@router.post(
    "/v1/moderation/reviews/{review_id}/withdraw",
    response_model=ReviewTakenBack,
    responses=problems(401, 403, 404, 409),
    tags=["moderation"],
)
def withdraw_review(
    review_id: Id,
    data: ReviewWithdrawal,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> ReviewTakenBack:
    """Take a published review down, with the reason its writer will read; its points and
    review-contest progress are taken back (staff)."""
    return takedown.withdraw(session, staff, lib, review_id, data.reason, clock.now())


@router.post(
    "/v1/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackPublic,
    responses=problems(401),
    tags=["feedback"],
)
def send_feedback(
    data: FeedbackCreate, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> FeedbackPublic:
    """Tell the library what you think of the programme; say whether it may be published."""
    fb = service.send_feedback(session, member, data, clock.now())
    return FeedbackPublic.model_validate(fb, from_attributes=True)


@router.get(
    "/v1/feedback",
    response_model=Page[FeedbackStaffView],
    responses=problems(401, 403),
    tags=["feedback"],
)
def list_feedback(
    lib: StaffLibrary,
    session: SessionDep,
    testimonials: bool = False,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[FeedbackStaffView]:
    """Members' feedback, newest first; only testimonials when asked (staff)."""
    items, nxt = service.feedback_list(session, lib, testimonials, limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.post(
    "/v1/feedback/{feedback_id}/testimonial",
    response_model=FeedbackStaffView,
    responses=problems(401, 403, 404, 409),
    tags=["feedback"],
)
def mark_testimonial(
    feedback_id: Id,
    data: TestimonialMark,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> FeedbackStaffView:
    """Show (or stop showing) feedback on the library's page; only with the member's consent."""
    return service.mark(session, staff, lib, feedback_id, data.testimonial, clock.now())


@router.get(
    "/v1/libraries/{slug}/testimonials",
    response_model=list[Testimonial],
    responses=problems(404),
    tags=["feedback"],
)
def library_testimonials(slug: SlugPath, session: SessionDep) -> list[Testimonial]:
    """The testimonials a library shows (public)."""
    return service.testimonials(session, get_by_slug(session, slug))
