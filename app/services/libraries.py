"""Libraries: the public catalogue, creation by admins, settings by their own staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.clock import Clock, local_date
from app.core.pagination import decode_cursor, paginate
from app.core.problems import conflict, forbidden, not_found
from app.models.library import Library, LibraryCreate, LibraryUpdate, ScoringSettings
from app.models.member import ADULT_AGE, Member


def find_by_slug(session: Session, slug: str) -> Library | None:
    return session.execute(select(Library).where(Library.slug == slug)).scalar_one_or_none()


def get_by_slug(session: Session, slug: str) -> Library:
    lib = find_by_slug(session, slug)
    if lib is None:
        raise not_found("Library")
    return lib


def get_by_id(session: Session, library_id: int) -> Library:
    lib = session.get(Library, library_id)
    if lib is None:
        raise not_found("Library")
    return lib


def list_libraries(
    session: Session, limit: int, cursor: str | None
) -> tuple[list[Library], str | None]:
    after = decode_cursor(cursor, {"slug": str})
    q = select(Library).order_by(Library.slug).limit(limit + 1)
    if after:
        q = q.where(Library.slug > after["slug"])
    rows = list(session.execute(q).scalars())
    return paginate(rows, limit, lambda lib: {"slug": lib.slug})


def create_library(session: Session, data: LibraryCreate, now: datetime) -> Library:
    if session.execute(select(Library.id).where(Library.slug == data.slug)).first():
        raise conflict(f"A library with slug {data.slug!r} already exists.", "slug-taken")
    lib = Library(
        slug=data.slug,
        name=data.name,
        city=data.city,
        timezone=data.timezone,
        hashtags=list(data.hashtags),
        scoring=data.scoring.model_dump(),
        primary_color=data.primary_color,
        accent_color=data.accent_color,
        created_at=now,
    )
    session.add(lib)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise conflict(f"A library with slug {data.slug!r} already exists.", "slug-taken") from None
    return lib


def ensure_staff_of(member: Member, lib: Library) -> None:
    """Staff act only on their own library; admins on any."""
    if member.role == "admin":
        return
    if member.role != "staff" or member.library_id != lib.id:
        raise forbidden("Only this library's staff may do this.")


def update_library(session: Session, lib: Library, data: LibraryUpdate) -> Library:
    changes = data.model_dump(exclude_unset=True, exclude={"scoring"})
    for key, value in changes.items():
        if value is None:
            continue  # an explicit null leaves a required setting as it is
        setattr(lib, key, list(value) if key == "hashtags" else value)
    if data.scoring is not None:
        merged = {
            **lib.scoring_settings().model_dump(),
            **data.scoring.model_dump(exclude_none=True),
        }
        lib.scoring = ScoringSettings(**merged).model_dump()
    session.add(lib)
    session.flush()
    return lib


def appoint_staff(
    session: Session, lib: Library, member_id: int, now: datetime | None = None
) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise not_found("Member")
    if member.is_child or member.email is None:
        raise conflict("A child profile cannot be staff.", "not-eligible")
    year = local_date(now or Clock().now(), lib.timezone).year
    if year - member.birth_year < ADULT_AGE:
        raise conflict(f"Staff are adults ({ADULT_AGE} and over).", "not-adult")
    if member.role == "admin":
        raise conflict("An administrator is already above staff.", "not-eligible")
    if member.library_id != lib.id:
        raise conflict("Staff must be members of the library they serve.", "not-eligible")
    member.role = "staff"
    session.add(member)
    session.flush()
    return member
