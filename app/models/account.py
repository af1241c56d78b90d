"""Account protection and children's data: throttling counters, desk reset codes,
guardians' consent, school class codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Index, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import Name, Password, UtcDateTime


class RateLimitCounter(SQLModel, table=True):
    """Attempts in one window for one key (a digest: no email or address stored)."""

    __tablename__ = "rate_limit"

    key: str = SQLField(primary_key=True, max_length=96)
    count: int = 0
    expires_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False, index=True)


class PasswordReset(SQLModel, table=True):
    """A one-time code staff issued at the desk to a member who showed their card."""

    __tablename__ = "password_reset"
    __table_args__ = (Index("ix_password_reset_member_id", "member_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    issued_by: int = SQLField(foreign_key="member.id")
    code_hash: str = SQLField(max_length=64)
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    expires_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    used_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class GuardianConsent(SQLModel, table=True):
    """A guardian's consent for one child profile (UU 27/2022): the wording agreed to."""

    __tablename__ = "guardian_consent"
    __table_args__ = (Index("ix_guardian_consent_child_id", "child_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    child_id: int = SQLField(foreign_key="member.id")
    guardian_id: int = SQLField(foreign_key="member.id")
    version: str = SQLField(max_length=20)
    language: str = SQLField(max_length=2)
    wording: str = SQLField(sa_type=Text)
    given_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    withdrawn_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class ClassCode(SQLModel, table=True):
    """A code staff hand out to a school's class: joining with it confirms the school."""

    __tablename__ = "class_code"

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    school: str = SQLField(max_length=80)
    code: str = SQLField(max_length=16, unique=True)
    created_by: int = SQLField(foreign_key="member.id")
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    expires_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    revoked_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)


# -- API schemas ---------------------------------------------------------------------


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: Password


class ResetCodeIssued(BaseModel):
    member_id: int
    code: str = Field(description="Give it to the member at the desk; it works once.")
    expires_at: datetime
    issued_by: int


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=4, max_length=20)
    new_password: Password


class ConsentGiven(BaseModel):
    """What a guardian agrees to when creating a child profile."""

    model_config = ConfigDict(extra="forbid")

    accepted: bool = Field(description="Must be true: the guardian agrees to the wording.")
    version: str = Field(min_length=1, max_length=20, description="GET /v1/consent/child")
    language: str = Field(default="id", pattern=r"^(id|en)$")


class ConsentText(BaseModel):
    version: str
    wording: dict[str, str]


class ConsentRecord(BaseModel):
    child_id: int
    guardian_id: int
    version: str
    language: str
    wording: str
    given_at: datetime
    withdrawn_at: datetime | None


class ClassCodeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: Name
    days: int = Field(default=120, ge=1, le=400, description="How long the code works.")


class ClassCodePublic(BaseModel):
    code: str
    school: str
    expires_at: datetime


class ClassCodeJoin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=20)


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)


class SchoolConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: Name | None = Field(
        default=None, description="The school as staff checked it; the profile's by default."
    )


class AccountExport(BaseModel):
    """Everything stored about one member (GET /v1/me/export, or a guardian's child)."""

    format: str = Field(description="bacaquest-export/1")
    exported_at: datetime
    profile: dict[str, Any]
    consent: list[dict[str, Any]] = Field(
        description="A child's consents: wording, version, language, given and withdrawn"
    )
    consents_given_as_guardian: list[int] = Field(description="Children consented for")
    children: list[dict[str, Any]]
    badges: list[dict[str, Any]]
    challenges: list[dict[str, Any]]
    data: dict[str, list[dict[str, Any]]] = Field(
        description="Every stored row of the member, by table: reading logs, ledger, "
        "badge awards, challenge progress, shares and their views, quizzes, polls, "
        "events, reviews, ..."
    )
