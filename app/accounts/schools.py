"""Confirmed school membership: staff confirm a member's school at the desk, or hand a
class a code that confirms it when a member joins with it. Only a confirmed school
admits a member to that school's board; typing a school into a profile admits no one."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.accounts.resets import _ALPHABET
from app.core.problems import Problem, conflict, not_found
from app.leaderboards import member_updating
from app.models.account import ClassCode, ClassCodeCreate, ClassCodePublic
from app.models.library import Library
from app.models.member import Member


def create_class_code(
    session: Session, staff: Member, lib: Library, data: ClassCodeCreate, now: datetime
) -> ClassCodePublic:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    code = ClassCode(
        library_id=lib.id or 0,
        school=data.school,
        code=f"{raw[:4]}-{raw[4:]}",
        created_by=staff.id or 0,
        created_at=now,
        expires_at=now + timedelta(days=data.days),
    )
    session.add(code)
    session.flush()
    return ClassCodePublic(code=code.code, school=code.school, expires_at=code.expires_at)


def join_with_code(session: Session, member: Member, raw: str, now: datetime) -> Member:
    norm = "".join(c for c in raw.upper() if c.isalnum())
    code = session.execute(
        select(ClassCode).where(ClassCode.code == f"{norm[:4]}-{norm[4:]}")
    ).scalar_one_or_none()
    if (
        code is None
        or code.library_id != member.library_id
        or code.revoked_at is not None
        or code.expires_at <= now
    ):
        raise Problem(400, "invalid-class-code", "The class code is not valid or has expired.")
    _set_confirmed_school(session, member, code.school, now)
    return member


def confirm_school(
    session: Session, lib: Library, member_id: int, school: str | None, now: datetime
) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.library_id != lib.id or member.deleted_at is not None:
        raise not_found("Member")
    school = school or member.school
    if school is None:
        raise conflict("The member's profile has no school to confirm.", "no-school")
    _set_confirmed_school(session, member, school, now)
    return member


def _set_confirmed_school(session: Session, member: Member, school: str, now: datetime) -> None:
    if school != member.school:
        member_updating(session, member, {"school": school})
        member.school = school
    member.school_confirmed_at = now
    session.add(member)
    session.flush()
