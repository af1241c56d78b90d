"""Staff console sign-ins: a browser cookie tied to one auth session."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import UtcDateTime


class ConsoleSession(SQLModel, table=True):
    """One console sign-in. The cookie holds a secret whose digest is the key; the row
    belongs to an `auth_session`, so every way that ends that sign-in (logout, a
    revoked family, signing out everywhere) ends the console's too."""

    __tablename__ = "console_session"

    id: str = SQLField(primary_key=True, max_length=64)  # sha256 of the cookie's secret
    auth_session_id: str = SQLField(foreign_key="auth_session.id", index=True, max_length=32)
    member_id: int = SQLField(foreign_key="member.id", index=True)
    csrf_token: str = SQLField(max_length=64)
    # The library an administrator is working on (staff always work on their own).
    library_id: int | None = SQLField(default=None, foreign_key="library.id")
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    expires_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
