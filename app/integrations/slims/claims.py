"""Claiming a library card: its holder proves it with the card number and birth date,
then gets an account (or links the account they have); a child's card is claimed only
by a guardian, as a child profile under them. Wrong answers count against the card:
after a few in a row it waits, so a birth date cannot be guessed."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.problems import Problem, conflict, forbidden, unprocessable
from app.models.library import Library
from app.models.member import KIDS_MAX_AGE, ChildCreate, Member, RegisterRequest
from app.models.slims import CardClaim, CardLink, CardPublic, SlimsMember
from app.services import auth, members

MAX_FAILURES = 5
LOCK_MINUTES = 15


def _not_matched() -> Problem:
    # The same answer for an unknown card and a wrong birth date: nothing tells which
    # card numbers exist.
    return Problem(
        401,
        "card-not-verified",
        "The card number and birth date do not match a library card of this library.",
        title="Card not verified",
    )


def _verified(
    session: Session, library_id: int, card_number: str, birth_date: object, now: datetime
) -> SlimsMember:
    card = session.execute(
        select(SlimsMember).where(
            SlimsMember.library_id == library_id, SlimsMember.card_number == card_number.strip()
        )
    ).scalar_one_or_none()
    if card is None:
        raise _not_matched()
    if card.claim_locked_until is not None and card.claim_locked_until > now:
        wait = int((card.claim_locked_until - now).total_seconds()) + 1
        raise Problem(
            429,
            "too-many-attempts",
            f"Too many wrong answers for this card; try again in {wait // 60 + 1} minutes.",
            headers={"Retry-After": str(wait)},
        )
    if card.birth_date is None or card.birth_date != birth_date:
        failures = SlimsMember.claim_failures + 1
        session.execute(
            update(SlimsMember).where(SlimsMember.id == card.id).values(claim_failures=failures)
        )
        session.execute(
            update(SlimsMember)
            .where(SlimsMember.id == card.id, SlimsMember.claim_failures >= MAX_FAILURES)
            .values(claim_failures=0, claim_locked_until=now + timedelta(minutes=LOCK_MINUTES))
        )
        problem = _not_matched()
        problem.keep_changes = True  # the failure must count although the request fails
        raise problem
    if card.member_id is not None:
        raise conflict("This library card has already been claimed.", "card-claimed")
    return card


def _link(session: Session, card: SlimsMember, member: Member, now: datetime) -> CardPublic:
    # Only a card still unclaimed: of two claims at once, the second changes nothing.
    linked = session.execute(
        update(SlimsMember)
        .where(SlimsMember.id == card.id, SlimsMember.member_id.is_(None))
        .values(member_id=member.id, claimed_at=now, claim_failures=0, claim_locked_until=None)
        .execution_options(synchronize_session=False)
    )
    if linked.rowcount != 1:
        raise conflict("This library card has already been claimed.", "card-claimed")
    return CardPublic(
        card_number=card.card_number,
        name=card.name,
        institution=card.institution,
        expires_on=card.expires_on,
        member_id=member.id or 0,
    )


def _library(session: Session, slug: str) -> Library:
    lib = session.execute(select(Library).where(Library.slug == slug)).scalar_one_or_none()
    if lib is None:
        raise unprocessable(f"There is no library {slug!r}.", field="library")
    return lib


def _year(lib: Library, now: datetime) -> int:
    return local_date(now, lib.timezone).year


def claim_account(session: Session, data: CardClaim, now: datetime) -> Member:
    """A new account for the holder of a verified card (13 and over)."""
    lib = _library(session, data.library)
    card = _verified(session, lib.id or 0, data.card_number, data.birth_date, now)
    assert card.birth_date is not None  # verified against it
    if _year(lib, now) - card.birth_date.year <= KIDS_MAX_AGE:
        raise forbidden("This is a child's card: a guardian claims it from their own account.")
    email = data.email or card.email
    if not email:
        raise unprocessable("The card has no email: give the email to sign in with.", "email")
    try:
        request = RegisterRequest(
            email=email,
            password=data.password,
            display_name=card.name[:80],
            birth_year=card.birth_date.year,
            library=lib.slug,
            nickname=data.nickname,
            school=card.institution[:80] if card.institution else None,
            language=data.language,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise unprocessable(str(first["msg"]), field=str(first["loc"][0])) from None
    member = auth.register(session, request, now)
    _link(session, card, member, now)
    return member


def link_card(session: Session, member: Member, data: CardLink, now: datetime) -> CardPublic:
    """An account of the library proves a card is the holder's own."""
    if member.is_child or member.library_id is None:
        raise forbidden("Only a reader's own account can link their library card.")
    existing = session.execute(
        select(SlimsMember.id).where(SlimsMember.member_id == member.id)
    ).first()
    if existing is not None:
        raise conflict("This account already has a library card.", "card-linked")
    card = _verified(session, member.library_id, data.card_number, data.birth_date, now)
    assert card.birth_date is not None
    if card.birth_date.year != member.birth_year:
        raise conflict("The card's birth year is not this account's.", "card-mismatch")
    return _link(session, card, member, now)


def claim_child(session: Session, guardian: Member, data: CardLink, now: datetime) -> Member:
    """A guardian claims their child's card: a child profile under the guardian."""
    if guardian.is_child or guardian.library_id is None:
        raise forbidden("A child's card is claimed from a guardian's own account.")
    lib = members.library_of(session, guardian)
    card = _verified(session, lib.id or 0, data.card_number, data.birth_date, now)
    assert card.birth_date is not None
    if _year(lib, now) - card.birth_date.year > KIDS_MAX_AGE:
        raise forbidden("This is not a child's card: its holder claims it on their own.")
    if not data.nickname:
        raise unprocessable("A child is shown by a nickname: give one.", field="nickname")
    try:
        profile = ChildCreate(
            display_name=card.name[:80],
            nickname=data.nickname,
            birth_year=card.birth_date.year,
            school=card.institution[:80] if card.institution else None,
            consent=data.consent,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise unprocessable(str(first["msg"]), field=str(first["loc"][0])) from None
    child = members.create_child(session, guardian, profile, now)
    _link(session, card, child, now)
    return child
