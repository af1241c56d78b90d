"""Partners' webhooks: the endpoints a library's staff register, the deliveries written to
the outbox in the same transaction as the change that caused them, and every attempt."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import UtcDateTime

EventType = Literal[
    "reading_log.accepted",
    "reading_log.flagged",
    "badge.earned",
    "challenge.completed",
    "event.attended",
    "member.joined",
]
EVENT_TYPES: dict[str, str] = {
    "reading_log.accepted": "Catatan bacaan diterima / a reading log was accepted",
    "reading_log.flagged": "Catatan bacaan ditandai untuk diperiksa / a log was flagged for review",
    "badge.earned": "Lencana diraih / a badge was earned",
    "challenge.completed": "Tantangan diselesaikan / a challenge was completed",
    "event.attended": "Hadir di acara / a member attended an event",
    "member.joined": "Anggota baru bergabung / a member joined",
}
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_library_id", "library_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    url: str = SQLField(max_length=500)
    description: str = SQLField(default="", max_length=200)
    event_types: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = SQLField(max_length=80)
    # After a rotation the old secret signs too, for a while, so the partner can switch.
    previous_secret: str | None = SQLField(default=None, max_length=80)
    previous_secret_until: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    enabled: bool = True
    consecutive_failures: int = 0
    failing_since: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    disabled_reason: str | None = SQLField(default=None, max_length=200)
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    deleted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: the outbox row, then its delivery state."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # An event is queued once per endpoint, however often its cause is retried.
        UniqueConstraint("endpoint_id", "dedupe_key"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    endpoint_id: int = SQLField(foreign_key="webhook_endpoint.id")
    library_id: int = SQLField(foreign_key="library.id")
    msg_id: str = SQLField(max_length=40)
    event_type: str = SQLField(max_length=40)
    dedupe_key: str = SQLField(max_length=120)
    payload: str = SQLField(sa_column=Column(Text, nullable=False))
    status: str = SQLField(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    delivered_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    last_status_code: int | None = None
    last_error: str | None = SQLField(default=None, max_length=300)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery_id", "delivery_id"),)

    id: int | None = SQLField(default=None, primary_key=True)
    delivery_id: int = SQLField(foreign_key="webhook_delivery.id")
    attempted_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    status_code: int | None = None
    response_body: str | None = SQLField(default=None, max_length=2000)
    error: str | None = SQLField(default=None, max_length=300)
    duration_ms: int = 0


# --- the API's shapes ---


class EndpointCreate(BaseModel):
    url: str = Field(min_length=1, max_length=500, examples=["https://sekolah.example/hooks"])
    description: str = Field(default="", max_length=200)
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))


class EndpointUpdate(BaseModel):
    url: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=200)
    event_types: list[EventType] | None = Field(
        default=None, min_length=1, max_length=len(EVENT_TYPES)
    )
    enabled: bool | None = Field(
        default=None, description="true re-enables an endpoint disabled after failures"
    )


class EndpointPublic(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    consecutive_failures: int
    failing_since: dt.datetime | None
    disabled_reason: str | None
    created_at: dt.datetime


class EndpointWithSecret(EndpointPublic):
    secret: str = Field(
        description="Verify `webhook-signature` with it (Standard Webhooks); shown only now."
    )


class AttemptPublic(BaseModel):
    attempted_at: dt.datetime
    status_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: int
    msg_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None


class DeliveryDetail(DeliveryPublic):
    payload: str
    attempt_log: list[AttemptPublic]


class EventTypePublic(BaseModel):
    type: str
    description: str
