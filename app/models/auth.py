"""Sign-in sessions and their rotating refresh tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.member import MemberPublic
from app.models.types import DbId, UtcDateTime


class AuthSession(SQLModel, table=True):
    """One sign-in on one device: a family of refresh tokens revoked together."""

    __tablename__ = "auth_session"

    id: str = SQLField(primary_key=True, max_length=32)
    member_id: int = SQLField(foreign_key="member.id", index=True)
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    revoked_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    id: str = SQLField(primary_key=True, max_length=32)
    session_id: str = SQLField(foreign_key="auth_session.id", index=True, max_length=32)
    token_hash: str = SQLField(max_length=64)
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    expires_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    used_at: datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    # Who spent it (a digest of the client's address and agent): the same client
    # refreshing twice at once within the grace is not a reuse.
    used_by: str | None = SQLField(default=None, max_length=64)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth2 token type, not a secret)
    expires_in: int
    refresh_token: str | None = None


class RegisterResponse(TokenResponse):
    member: MemberPublic


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


class ChildTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    child_id: DbId
