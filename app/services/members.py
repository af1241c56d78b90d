"""Members: profiles, children, and what may be shown of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import leaderboards
from app.accounts import consent
from app.accounts.nicknames import ensure_nickname_allowed
from app.analytics import counters
from app.core.clock import local_date
from app.core.db import lock_member
from app.core.problems import conflict, forbidden, no_library, not_found, problem
from app.models.library import Library
from app.models.member import (
    ADULT_AGE,
    KIDS_MAX_AGE,
    ChildCreate,
    ChildPublic,
    Member,
    MemberLike,
    MemberPublic,
    MemberUpdate,
    age_group,
    nickname_key,
)


def library_by_id(session: Session, library_id: int | None) -> Library:
    """The library of that id; the one place "this account belongs to no library" is raised."""
    lib = session.get(Library, library_id) if library_id else None
    if lib is None:
        raise no_library()
    return lib


def library_of(session: Session, member: MemberLike) -> Library:
    return library_by_id(session, member.library_id)


def current_year(session: Session, member: Member, now: datetime) -> int:
    tz = "Asia/Jakarta"
    if member.library_id is not None:
        lib = session.get(Library, member.library_id)
        if lib is not None:
            tz = lib.timezone
    return local_date(now, tz).year


def to_public(
    member: Member, year: int, slug: str | None, acting_guardian_id: int | None = None
) -> MemberPublic:
    return MemberPublic(
        id=member.id or 0,
        library=slug,
        email=member.email,
        role=member.role,
        display_name=member.display_name,
        nickname=member.nickname,
        birth_year=member.birth_year,
        age_group=age_group(member.birth_year, year),
        school=member.school,
        language=member.language,
        leaderboard_opt_out=member.leaderboard_opt_out,
        is_child=member.is_child,
        guardian_id=member.guardian_id,
        acting_guardian_id=acting_guardian_id,
    )


def describe(
    session: Session, member: Member, now: datetime, acting_guardian_id: int | None = None
) -> MemberPublic:
    lib = session.get(Library, member.library_id) if member.library_id else None
    year = local_date(now, lib.timezone if lib else "Asia/Jakarta").year
    return to_public(member, year, lib.slug if lib else None, acting_guardian_id)


def child_public(child: Member, year: int) -> ChildPublic:
    return ChildPublic(
        id=child.id or 0,
        display_name=child.display_name,
        nickname=child.nickname,
        birth_year=child.birth_year,
        age_group=age_group(child.birth_year, year),
        school=child.school,
        language=child.language,
    )


def nickname_taken(
    session: Session, library_id: int, nickname: str, exclude_id: int | None = None
) -> bool:
    q = (
        select(func.count())
        .select_from(Member)
        .where(
            Member.library_id == library_id,
            Member.nickname_key == nickname_key(nickname),
        )
    )
    if exclude_id is not None:
        q = q.where(Member.id != exclude_id)
    return bool(session.execute(q).scalar_one())


def _flush_unique(session: Session, what: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise conflict(f"{what} is already taken.", slug="already-taken") from None


def _is_minor(session: Session, member: Member) -> bool:
    from app.core.clock import Clock

    return current_year(session, member, Clock().now()) - member.birth_year < ADULT_AGE


def update_me(session: Session, member: Member, data: MemberUpdate) -> Member:
    changes = data.model_dump(exclude_unset=True)
    if "display_name" in changes and changes["display_name"] is None:
        raise problem("member.display-name-empty")
    if "leaderboard_opt_out" in changes and changes["leaderboard_opt_out"] is None:
        raise problem("member.opt-out-not-boolean")
    if "language" in changes and changes["language"] is None:
        raise problem("member.language-unknown")
    if "nickname" in changes or "display_name" in changes:
        nick = changes.get("nickname", member.nickname)
        if nick is not None:
            ensure_nickname_allowed(nick, changes.get("display_name") or member.display_name)
    if "nickname" in changes:
        nick = changes["nickname"]
        if nick is None and (member.is_child or _is_minor(session, member)):
            raise problem("member.minor-needs-nickname")
        if (
            nick is not None
            and member.library_id is not None
            and nickname_taken(session, member.library_id, nick, exclude_id=member.id)
        ):
            raise problem("member.nickname-taken")
        member.nickname_key = nickname_key(nick)
    if "school" in changes and changes["school"] != member.school:
        # A typed school is only the member's word: confirmation starts over.
        member.school_confirmed_at = None
    leaderboards.member_updating(session, member, changes)
    if "school" in changes:
        counters.school_changed(
            session, member, library_of(session, member).timezone, member.school, changes["school"]
        )
    for key, value in changes.items():
        setattr(member, key, value)
    session.add(member)
    _flush_unique(session, "That nickname")
    return member


def list_children(session: Session, guardian: Member) -> list[Member]:
    rows = session.execute(
        select(Member)
        .where(Member.guardian_id == guardian.id, Member.deleted_at.is_(None))
        .order_by(Member.id)
    )
    return list(rows.scalars())


MAX_CHILDREN = 10


def create_child(session: Session, guardian: Member, data: ChildCreate, now: datetime) -> Member:
    if guardian.is_child:
        raise problem("member.child-cannot-add-children")
    lib = library_of(session, guardian)
    year = local_date(now, lib.timezone).year
    if year - guardian.birth_year < ADULT_AGE:
        raise forbidden(f"Guardians are adults: child profiles are made by readers {ADULT_AGE}+.")
    ensure_nickname_allowed(data.nickname, data.display_name)
    given = consent.ensure_given(data.consent)
    if data.birth_year > year:
        raise problem("member.birth-year-future", birth_year=data.birth_year)
    if year - data.birth_year > KIDS_MAX_AGE:
        raise problem("member.child-too-old", max_age=KIDS_MAX_AGE)
    # The guardian's row lock makes the count and the insert one step, whatever the race.
    lock_member(session, guardian.id or 0)
    if len(list_children(session, guardian)) >= MAX_CHILDREN:
        raise problem("member.too-many-children", most=MAX_CHILDREN)
    if nickname_taken(session, lib.id or 0, data.nickname):
        raise problem("member.nickname-taken")
    child = Member(
        library_id=lib.id,
        role="member",
        display_name=data.display_name,
        nickname=data.nickname,
        nickname_key=nickname_key(data.nickname),
        birth_year=data.birth_year,
        school=data.school,
        language=data.language,
        guardian_id=guardian.id,
        created_at=now,
    )
    session.add(child)
    _flush_unique(session, "That nickname")
    counters.member_joined(session, child, lib.timezone)
    consent.record(session, guardian, child, given, now)
    return child


def child_of(session: Session, guardian: MemberLike, child_id: int) -> Member:
    """A guardian's own child, or 404 (another family's child is not even confirmed)."""
    child = session.get(Member, child_id)
    if (
        child is None
        or child.guardian_id is None
        or child.guardian_id != guardian.id
        or child.deleted_at is not None
    ):
        raise not_found("Child profile")
    return child
