"""Members: readers, guardians' children, staff and admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.account import ConsentGiven
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import DbId, Name, Password, ShortName, Slug, UtcDateTime

Role = Literal["member", "staff", "admin"]
AgeGroup = Literal["kids", "teens", "adults"]

KIDS_MAX_AGE = 12
TEENS_MAX_AGE = 17
MIN_SELF_REGISTER_AGE = 13
ADULT_AGE = 18  # guardians and staff


def is_minor_now(birth_year: int | None) -> bool:
    """Under 18 by the calendar year, counting the year one turns 18 (a birth year is
    all we know): public places show such a reader by nickname only. Unknown: a minor."""
    if birth_year is None:
        return True
    return datetime.now(UTC).year - birth_year <= ADULT_AGE


def age_group(birth_year: int, current_year: int) -> AgeGroup:
    age = current_year - birth_year
    if age <= KIDS_MAX_AGE:
        return "kids"
    if age <= TEENS_MAX_AGE:
        return "teens"
    return "adults"


class Member(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("library_id", "nickname_key"),
        CheckConstraint("role IN ('member', 'staff', 'admin')", name="role"),
        CheckConstraint("role = 'admin' OR library_id IS NOT NULL", name="library_required"),
        Index("ix_member_guardian_id", "guardian_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int | None = SQLField(default=None, foreign_key="library.id")
    email: str | None = SQLField(default=None, max_length=254, unique=True)
    password_hash: str | None = SQLField(default=None, max_length=255)
    role: str = SQLField(default="member", max_length=10)
    display_name: str = SQLField(max_length=80)
    nickname: str | None = SQLField(default=None, max_length=40)
    nickname_key: str | None = SQLField(default=None, max_length=40)
    birth_year: int
    school: str | None = SQLField(default=None, max_length=80)
    language: str = SQLField(default="id", max_length=2)
    leaderboard_opt_out: bool = False
    guardian_id: int | None = SQLField(default=None, foreign_key="member.id")
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # The school as staff confirmed it (at the desk, or by a class code they handed out):
    # only a confirmed school lets a member see that school's board.
    school_confirmed_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    # An account taken back by its owner (or a child's guardian): personal data erased,
    # the row kept so the ledger and the library's figures stay whole.
    deleted_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    # Counters kept in the same transaction as the rows they summarise, always by
    # atomic `SET x = x + :n` updates; `ledger verify` checks points against the ledger.
    points_total: int = 0
    points_pending: int = 0
    pages_total: int = 0
    minutes_total: int = 0
    logs_total: int = 0
    books_finished: int = 0
    genres_total: int = 0
    challenges_completed: int = 0
    shares_total: int = 0

    @property
    def is_child(self) -> bool:
        return self.guardian_id is not None

    def public_name(self) -> str:
        """What others may see: a child, and anyone under 18, only ever by nickname."""
        if self.is_child or not self.display_name or is_minor_now(self.birth_year):
            return self.nickname or "Pembaca"
        return self.nickname or self.display_name


class MemberLike(Protocol):
    """What the reading path reads of a member: a `Member`, or the `MemberFacts` read
    with the sign-in check (no ORM instance to build on the busiest call)."""

    @property
    def id(self) -> int | None: ...
    @property
    def library_id(self) -> int | None: ...
    @property
    def guardian_id(self) -> int | None: ...
    @property
    def birth_year(self) -> int: ...
    @property
    def school(self) -> str | None: ...
    @property
    def leaderboard_opt_out(self) -> bool: ...
    @property
    def nickname(self) -> str | None: ...
    @property
    def display_name(self) -> str: ...
    @property
    def is_child(self) -> bool: ...
    @property
    def role(self) -> str: ...
    def public_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """A member's identity and public face, read with the sign-in check."""

    id: int
    library_id: int | None
    guardian_id: int | None
    birth_year: int
    school: str | None
    leaderboard_opt_out: bool
    nickname: str | None
    display_name: str
    role: str

    # The same rules as Member's.
    is_child = property(Member.is_child.fget)  # type: ignore[attr-defined]
    public_name = Member.public_name


def nickname_key(nickname: str | None) -> str | None:
    return nickname.casefold() if nickname else None


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    email: EmailStr = Field(max_length=254)
    password: Password
    display_name: Name
    birth_year: int = Field(ge=1900, le=2100)
    library: Slug
    nickname: ShortName | None = None
    school: Name | None = None
    language: enums.Language = enums.Language.ID
    referral: str | None = Field(
        default=None,
        max_length=16,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The code of the share that brought the reader (from /l/{slug}?ref=).",
    )


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    display_name: Name | None = None
    nickname: ShortName | None = None
    school: Name | None = None
    language: enums.Language | None = None
    leaderboard_opt_out: bool | None = None


class ChildCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    display_name: Name
    nickname: ShortName
    birth_year: int = Field(ge=1900, le=2100)
    school: Name | None = None
    language: enums.Language = enums.Language.ID
    consent: ConsentGiven | None = Field(
        default=None,
        description="The guardian's consent (required): GET /v1/consent/child for the wording.",
    )


class MemberPublic(BaseModel):
    id: int
    library: str | None
    email: str | None
    role: enums.Role
    display_name: str
    nickname: str | None
    birth_year: int
    age_group: enums.AgeGroup
    school: str | None
    language: enums.Language
    leaderboard_opt_out: bool
    is_child: bool
    guardian_id: int | None
    acting_guardian_id: int | None = None


class ChildPublic(BaseModel):
    id: int
    display_name: str
    nickname: str | None
    birth_year: int
    age_group: enums.AgeGroup
    school: str | None
    language: enums.Language


class AppointStaff(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    member_id: DbId
