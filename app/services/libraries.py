"""Libraries: the public catalogue, creation by admins, settings by their own staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import leaderboards
from app.core.access import is_staff_of
from app.core.clock import Clock, local_date
from app.core.db import lock_library
from app.core.pagination import decode_cursor, paginate
from app.core.problems import Problem, conflict, forbidden, not_found
from app.models.badge import Badge
from app.models.challenge import Challenge
from app.models.library import (
    Library,
    LibraryCreate,
    LibraryUpdate,
    ScoringSettings,
    ScoringUpdate,
)
from app.models.member import ADULT_AGE, Member
from app.scoring import Criterion, Rules, badge_unreachable_reason, challenge_unreachable_reason


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
        play_store_url=data.play_store_url,
        app_store_url=data.app_store_url,
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
    if not is_staff_of(member, lib.id or 0):
        raise forbidden("Only this library's staff may do this.")


def staffed_by_slug(session: Session, staff: Member, slug: str) -> Library:
    """The library `slug` (else 404), if `staff` may act on it (else 403)."""
    lib = get_by_slug(session, slug)
    ensure_staff_of(staff, lib)
    return lib


# Settings a library may do without: an explicit null takes them away.
OPTIONAL_SETTINGS = frozenset({"play_store_url", "app_store_url"})


def update_library(
    session: Session, lib: Library, data: LibraryUpdate, now: datetime | None = None
) -> Library:
    """Apply a staff edit. New scoring rules are refused (409, with the reasons) when
    they would make a badge or a live challenge unreachable (`now`: what is live)."""
    if data.scoring is not None and now is not None:
        lock_library(session, lib.id or 0)  # against a badge or challenge made meanwhile
        _check_goals_stay_reachable(session, lib, _merged(lib, data.scoring), now)
    changes = data.model_dump(exclude_unset=True, exclude={"scoring"})
    for key, value in changes.items():
        if value is None and key not in OPTIONAL_SETTINGS:
            continue  # an explicit null leaves a required setting as it is
        setattr(lib, key, list(value) if key == "hashtags" else value)
    if data.scoring is not None:
        lib.scoring = _merged(lib, data.scoring).model_dump()
    session.add(lib)
    session.flush()
    if "staff_on_boards" in changes:
        leaderboards.library_changed(session, lib.id or 0)
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
    leaderboards.library_changed(session, lib.id or 0)  # off the boards, unless allowed
    return member


def _merged(lib: Library, scoring: ScoringUpdate) -> ScoringSettings:
    """The library's settings with the given ones changed."""
    return ScoringSettings(
        **{**lib.scoring_settings().model_dump(), **scoring.model_dump(exclude_none=True)}
    )


def proposed_rules(lib: Library, scoring: ScoringUpdate | None) -> Rules:
    """The rules the library would score under with `scoring` saved (None: as saved)."""
    settings = lib.scoring_settings() if scoring is None else _merged(lib, scoring)
    return Rules.from_mapping(settings.model_dump())


def _check_goals_stay_reachable(
    session: Session, lib: Library, settings: ScoringSettings, now: datetime
) -> None:
    rules = Rules.from_mapping(settings.model_dump())
    today = local_date(now, lib.timezone)
    broken: list[str] = []
    for badge in session.execute(
        select(Badge).where(Badge.library_id == lib.id).order_by(Badge.id)
    ).scalars():
        criteria = [
            Criterion(c["metric"], int(c["target"]), c.get("period", "all_time"))
            for c in badge.criteria
        ]
        reason = badge_unreachable_reason(criteria, rules)
        if reason:
            broken.append(f"badge {badge.name!r}: {reason}")
    for ch in session.execute(
        select(Challenge)
        .where(
            Challenge.library_id == lib.id,
            Challenge.deleted_at.is_(None),
            Challenge.ends_on >= today,
        )
        .order_by(Challenge.id)
    ).scalars():
        days = (ch.ends_on - ch.starts_on).days + 1
        reason = challenge_unreachable_reason(ch.goal, ch.target, days, rules)
        if reason:
            broken.append(f"challenge {ch.title!r}: {reason}")
    if broken:
        raise Problem(
            409,
            "rules-unreachable",
            "These scoring settings would leave members unable to reach "
            + "; ".join(broken)
            + ". Change or end those first, or choose other settings.",
        )
