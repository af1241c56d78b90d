"""Chats: a Telegram or WhatsApp chat linked to a member by a one-time code from the app,
and the platform updates already handled (so a replayed webhook changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import UtcDateTime

ChatPlatform = Literal["telegram", "whatsapp"]


class ChatLink(SQLModel, table=True):
    __tablename__ = "chat_link"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    platform: str = SQLField(max_length=10)
    chat_id: str = SQLField(max_length=64)
    member_id: int = SQLField(foreign_key="member.id", index=True)
    linked_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # Streak reminders, opt-in only: the local hour (the library's time zone) to be told
    # that a streak breaks today, and the local day of the last one (at most one a day).
    reminders: bool = False
    reminder_hour: int = 19
    reminded_on: dt.date | None = None


class ChatLinkCode(SQLModel, table=True):
    """A one-time code the app shows; only its digest is kept."""

    __tablename__ = "chat_link_code"

    code_hash: str = SQLField(primary_key=True, max_length=64)
    member_id: int = SQLField(foreign_key="member.id", index=True)
    expires_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    used_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class ChatUpdate(SQLModel, table=True):
    """A platform update (Telegram update_id, WhatsApp message id) once handled."""

    __tablename__ = "chat_update"

    platform: str = SQLField(primary_key=True, max_length=10)
    update_id: str = SQLField(primary_key=True, max_length=128)
    received_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


class ChatLinkCodePublic(BaseModel):
    code: str
    expires_at: dt.datetime
    telegram: str = "Kirim ke bot Telegram perpustakaan: hubungkan <kode>"
    whatsapp: str = "Kirim ke nomor WhatsApp perpustakaan: hubungkan <kode>"
