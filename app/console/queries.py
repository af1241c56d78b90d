"""Read-only lookups the console's pages need beside the API's services: finding
members, a member's recent days, who holds a badge. No rule lives here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.core.problems import not_found
from app.models.badge import BadgeAward
from app.models.library import Library
from app.models.member import Member
from app.models.reading import MemberDay

RECENT_DAYS = 7
SEARCH_LIMIT = 50


def recent_days(
    session: Session, member_ids: Sequence[int], today: date
) -> dict[int, list[MemberDay]]:
    """Each member's counted days of the last week, newest first."""
    if not member_ids:
        return {}
    since = today - timedelta(days=RECENT_DAYS - 1)
    rows = session.execute(
        select(MemberDay)
        .where(MemberDay.member_id.in_(set(member_ids)), MemberDay.day >= since)
        .order_by(MemberDay.member_id, MemberDay.day.desc())
    ).scalars()
    out: dict[int, list[MemberDay]] = defaultdict(list)
    for row in rows:
        out[row.member_id].append(row)
    return out


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def find_members(session: Session, lib: Library, text: str) -> list[Member]:
    """Members of one library whose name, nickname, email or school contains `text`."""
    pattern = _like(text.strip())
    fields = (Member.display_name, Member.nickname, Member.email, Member.school)
    stmt = (
        select(Member)
        .where(
            Member.library_id == lib.id,
            or_(*(func.lower(f).like(pattern, escape="\\") for f in fields)),
        )
        .order_by(Member.display_name, Member.id)
        .limit(SEARCH_LIMIT)
    )
    return list(session.execute(stmt).scalars())


def member_of(session: Session, lib: Library, member_id: int) -> Member:
    """A member of this library; another library's are not even confirmed to exist."""
    member = session.get(Member, member_id)
    if member is None or member.library_id != lib.id:
        raise not_found("Member")
    return member


def guardian_of(session: Session, child: Member) -> Member | None:
    return session.get(Member, child.guardian_id) if child.guardian_id else None


def holders(session: Session, badge_ids: Sequence[int]) -> dict[int, list[Member]]:
    """Who earned each badge, earliest first."""
    if not badge_ids:
        return {}
    rows = session.execute(
        select(BadgeAward.badge_id, Member)
        .join(Member, Member.id == BadgeAward.member_id)
        .where(BadgeAward.badge_id.in_(set(badge_ids)))
        .order_by(BadgeAward.awarded_at, BadgeAward.id)
    ).all()
    out: dict[int, list[Member]] = defaultdict(list)
    for badge_id, member in rows:
        out[badge_id].append(member)
    return out
