"""Who may see or run a library's things: one rule for every domain.

A member sees their own library's rows (an administrator sees every library's); staff run
their own library's (an administrator runs any). `visible_row` loads a row of a library
by id or answers 404 (`visible_published`: drafts for its staff only); `staff_only` lets
only the row's library's staff through.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlmodel import Session

from app.core.problems import forbidden, not_found
from app.models.member import Member


class OfLibrary(Protocol):
    @property
    def library_id(self) -> int: ...


class Publishable(OfLibrary, Protocol):
    @property
    def published(self) -> bool: ...


Row = TypeVar("Row", bound=OfLibrary)
Published = TypeVar("Published", bound=Publishable)


def is_staff_of(member: Member, library_id: int) -> bool:
    return member.role == "admin" or (member.role == "staff" and member.library_id == library_id)


def sees_library(member: Member, library_id: int) -> bool:
    return member.role == "admin" or member.library_id == library_id


def visible_row(session: Session, model: type[Row], row_id: int, member: Member, name: str) -> Row:
    """The row `row_id` of `model` if `member` sees its library, else 404 `name`."""
    row = session.get(model, row_id)
    if row is None or not sees_library(member, row.library_id):
        raise not_found(name)
    return row


def visible_published(
    session: Session, model: type[Published], row_id: int, member: Member, name: str
) -> Published:
    """As `visible_row`, and an unpublished row (a draft) is seen by its library's staff
    only."""
    row = visible_row(session, model, row_id, member, name)
    if not row.published and not is_staff_of(member, row.library_id):
        raise not_found(name)
    return row


def staff_only(row: Row, staff: Member, refusal: str) -> Row:
    """`row` if `staff` runs its library, else 403 with the detail `refusal`."""
    if not is_staff_of(staff, row.library_id):
        raise forbidden(refusal)
    return row
