"""Who may read which library's figures, and the filters of a question, checked once.

Staff read their own library; an administrator any library (and all side by side);
anyone else gets 403. Filters are checked against the library: a school none of its
members gives, a challenge of another library, a reversed range or one longer than five
years are 422 problems naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from app.analytics.counters import school_key
from app.core.clock import local_date
from app.core.problems import forbidden, not_found, unprocessable
from app.models.analytics import MemberTally
from app.models.challenge import Challenge
from app.models.enums import AgeGroup
from app.models.library import Library
from app.models.member import MemberLike

MAX_RANGE_DAYS = 5 * 366
STAFF_ROLES = ("staff", "admin")


class Viewer(MemberLike, Protocol):
    """Who asks: a member with a role."""

    @property
    def role(self) -> str: ...


class LibraryLike(Protocol):
    """What figures read of a library: a `Library`, or the head an API call reads."""

    @property
    def id(self) -> int | None: ...
    @property
    def slug(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """The library whose figures are read, and what its calendar says today."""

    library: LibraryLike
    today: date
    is_admin: bool = False

    @property
    def library_id(self) -> int:
        return self.library.id or 0


@dataclass(frozen=True, slots=True)
class Query:
    """A checked question: a range of local dates (inclusive) and optional filters."""

    start: date
    end: date
    age_group: AgeGroup | None = None
    school: str | None = None
    challenge_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def may_hold_children(self) -> bool:
        """A cell of children: the kids' age group, or a school (schools are where a
        handful of children can be picked out) unless the cell is teens or adults."""
        return self.age_group == "kids" or (self.school is not None and self.age_group is None)


def require_staff(caller: Viewer) -> None:
    if caller.role not in STAFF_ROLES:
        raise forbidden("Analytics are for library staff and administrators.")


Lib = TypeVar("Lib", bound=LibraryLike)


def pick_library(
    caller: Viewer,
    slug: str | None,
    by_slug: Callable[[str], Lib | None],
    by_id: Callable[[int], Lib | None],
) -> Lib:
    """The library `slug` names (staff: their own by default; nobody else's), found
    with the caller's lookups (the library row, or an analytics call's head)."""
    require_staff(caller)
    if caller.role == "admin":
        if slug is None:
            raise unprocessable(
                "An administrator names the library (or reads /v1/analytics/libraries).",
                field="library",
            )
        found = by_slug(slug)
        if found is None:
            raise not_found("Library")
        return found
    found = by_id(caller.library_id) if caller.library_id else None
    if found is None:
        raise forbidden("This account belongs to no library.")
    if slug is not None and slug != found.slug:
        raise forbidden("Staff read their own library's figures only.")
    return found


def scope_for(session: Session, caller: Viewer, slug: str | None, now: datetime) -> Scope:
    """The library `slug` names (`pick_library`) and its calendar today."""
    lib = pick_library(
        caller,
        slug,
        lambda s: session.execute(select(Library).where(Library.slug == s)).scalar_one_or_none(),
        lambda i: session.get(Library, i),
    )
    return Scope(lib, local_date(now, lib.timezone), is_admin=caller.role == "admin")


def library_scope(lib: Library, now: datetime, *, is_admin: bool = True) -> Scope:
    return Scope(lib, local_date(now, lib.timezone), is_admin=is_admin)


def check_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """This month so far by default; a reversed or over-five-year range is refused."""
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise unprocessable("The range starts after it ends.", field="start")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise unprocessable("A range is at most five years.", field="start")
    if end > today + timedelta(days=366):
        raise unprocessable("The range ends more than a year from today.", field="end")
    return start, end


def query_for(
    session: Session,
    scope: Scope,
    *,
    start: date | None = None,
    end: date | None = None,
    age_group: AgeGroup | None = None,
    school: str | None = None,
    challenge_id: int | None = None,
) -> Query:
    """Check the filters against the scope's library."""
    start, end = check_range(start, end, scope.today)
    if school is not None:
        school = school_key(school)
        known = session.execute(
            select(MemberTally.school)
            .where(MemberTally.library_id == scope.library_id, MemberTally.school == school)
            .limit(1)
        ).first()
        if not school or known is None:
            raise unprocessable("No member of this library gives that school.", field="school")
    if challenge_id is not None:
        found = session.get(Challenge, challenge_id)
        if found is None or found.library_id != scope.library_id or found.deleted_at:
            raise unprocessable("This library has no such challenge.", field="challenge_id")
    return Query(start, end, age_group, school, challenge_id)
