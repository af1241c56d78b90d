"""Events: discussions, author talks, workshops, bazaars and live sessions; who registers,
who waits, and who attended (by the event's secret code or its QR code)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models import enums
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.reading import AwardRow, BadgeBrief, Totals
from app.models.types import DbId, LongText, Title, UtcDateTime

EventKind = Literal["discussion", "author_talk", "workshop", "bazaar", "online_live"]
RegistrationStatus = Literal["registered", "waitlisted", "cancelled"]
MAX_EVENT_HOURS = 24 * 14
YEARS = range(2000, 2101)  # local times outside these years are typos, and overflow in UTC


def in_years(value: dt.datetime | None, field: str) -> None:
    if value is not None and value.year not in YEARS:
        raise ValueError(f"{field} must be between the years 2000 and 2100")


class Event(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "kind IN ('discussion', 'author_talk', 'workshop', 'bazaar', 'online_live')",
            name="kind",
        ),
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("registered >= 0 AND waitlisted >= 0", name="counts"),
        Index("ix_event_library_id_ends_at", "library_id", "ends_at"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    library_id: int = SQLField(foreign_key="library.id")
    title: str = SQLField(max_length=300)
    description: str = SQLField(default="", max_length=2000)
    kind: str = SQLField(max_length=16)
    place: str | None = SQLField(default=None, max_length=300)
    link: str | None = SQLField(default=None, max_length=500)
    starts_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    ends_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    grace_minutes: int = 30
    capacity: int | None = None  # None: no limit
    age_groups: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    points: int = 0
    badge_id: int | None = SQLField(default=None, foreign_key="badge.id")
    # Secret check-in code, unique across libraries so the code alone finds its event.
    code: str = SQLField(max_length=16, unique=True)
    # Counters kept by atomic updates under the event's row lock.
    registered: int = 0
    waitlisted: int = 0
    queue_seq: int = 0  # the last queue number given; a new place in line gets the next
    published: bool = True
    created_by: int = SQLField(foreign_key="member.id")
    created_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    cancelled_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class EventRegistration(SQLModel, table=True):
    """A member's place at an event, or on its waitlist (in order of `queue_no`)."""

    __tablename__ = "event_registration"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        CheckConstraint("status IN ('registered', 'waitlisted', 'cancelled')", name="status"),
        Index("ix_event_registration_event_id_status", "event_id", "status"),
        Index("ix_event_registration_member_id", "member_id"),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    event_id: int = SQLField(foreign_key="event.id")
    member_id: int = SQLField(foreign_key="member.id")
    status: str = SQLField(max_length=12)
    queue_no: int  # order of arrival; asking again after cancelling goes to the back
    queued_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    promoted_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    cancelled_at: dt.datetime | None = SQLField(default=None, sa_type=UtcDateTime)


class EventAttendance(SQLModel, table=True):
    """A member attended an event: the primary key makes it happen once."""

    __tablename__ = "event_attendance"
    __table_args__ = (Index("ix_event_attendance_member_id_day", "member_id", "day"),)

    event_id: int = SQLField(foreign_key="event.id", primary_key=True)
    member_id: int = SQLField(foreign_key="member.id", primary_key=True)
    attended_at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    day: dt.date  # the library's local date of the check-in (for badge periods)
    via: str = SQLField(max_length=8)  # code | qr
    ledger_entry_id: int | None = SQLField(default=None, foreign_key="ledger_entry.id")


class CheckInFailure(SQLModel, table=True):
    """A wrong code entered by a member: what the guessing limit counts."""

    __tablename__ = "check_in_failure"
    __table_args__ = (Index("ix_check_in_failure_member_id_at", "member_id", "at"),)

    id: int | None = SQLField(default=None, primary_key=True)
    member_id: int = SQLField(foreign_key="member.id")
    at: dt.datetime = SQLField(sa_type=UtcDateTime, nullable=False)


# --- API schemas ---------------------------------------------------------------------


class EventCreate(BaseModel):
    """An event; `starts_local`/`ends_local` are wall-clock times in the library's zone."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    title: Title
    description: LongText = ""
    kind: EventKind
    place: str | None = Field(default=None, min_length=1, max_length=300)
    link: str | None = Field(default=None, pattern=r"^https://[^\s]{3,490}$")
    starts_local: dt.datetime = Field(description="Local start, e.g. 2026-12-05T14:00")
    ends_local: dt.datetime = Field(description="Local end, e.g. 2026-12-05T16:00")
    grace_minutes: int = Field(default=30, ge=0, le=240)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    age_groups: list[enums.AgeGroup] = Field(
        default=list(enums.AgeGroup), min_length=1, max_length=3
    )
    points: int = Field(default=0, ge=0, le=10_000)
    badge_id: DbId | None = None
    published: bool = True

    @model_validator(mode="after")
    def _check(self) -> EventCreate:
        if self.starts_local.tzinfo is not None or self.ends_local.tzinfo is not None:
            raise ValueError("starts_local and ends_local are local times without an offset")
        in_years(self.starts_local, "starts_local")
        in_years(self.ends_local, "ends_local")
        if self.ends_local <= self.starts_local:
            raise ValueError("ends_local must be after starts_local")
        if self.ends_local - self.starts_local > dt.timedelta(hours=MAX_EVENT_HOURS):
            raise ValueError("an event lasts at most 14 days")
        if self.kind == "online_live" and not self.link:
            raise ValueError("an online event needs a link")
        if self.kind != "online_live" and not self.place:
            raise ValueError("an event on site needs a place")
        return self


class EventUpdate(BaseModel):
    """Changes to an event that is not over; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    title: Title | None = None
    description: LongText | None = None
    place: str | None = Field(default=None, min_length=1, max_length=300)
    link: str | None = Field(default=None, pattern=r"^https://[^\s]{3,490}$")
    starts_local: dt.datetime | None = None
    ends_local: dt.datetime | None = None
    grace_minutes: int | None = Field(default=None, ge=0, le=240)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    age_groups: list[enums.AgeGroup] | None = Field(default=None, min_length=1, max_length=3)
    points: int | None = Field(default=None, ge=0, le=10_000)
    published: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> EventUpdate:
        for value in (self.starts_local, self.ends_local):
            if value is not None and value.tzinfo is not None:
                raise ValueError("starts_local and ends_local are local times without an offset")
        in_years(self.starts_local, "starts_local")
        in_years(self.ends_local, "ends_local")
        return self


class MyRegistration(BaseModel):
    status: RegistrationStatus
    position: int | None = Field(default=None, description="Place on the waitlist, from 1")
    queued_at: dt.datetime
    promoted_at: dt.datetime | None = None
    attended: bool = False


class EventPublic(BaseModel):
    id: int
    library: str
    title: str
    description: str
    kind: str
    place: str | None
    link: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    starts_local: dt.datetime
    ends_local: dt.datetime
    timezone: str
    check_in_opens_at: dt.datetime
    check_in_closes_at: dt.datetime
    capacity: int | None
    seats_left: int | None
    registered: int
    waitlisted: int
    age_groups: list[enums.AgeGroup]
    points: int
    badge_id: int | None
    published: bool
    cancelled: bool
    me: MyRegistration | None = None
    attended_at: dt.datetime | None = Field(default=None, description="When you checked in")


class EventStaffView(EventPublic):
    """What staff see: the check-in code to announce and the link the QR code carries."""

    code: str
    check_in_url: str


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description="As announced; any case")
    via: Literal["code", "qr"] = "code"


class CheckInResult(BaseModel):
    event_id: int
    title: str
    attended_at: dt.datetime
    points: list[AwardRow]
    badges_earned: list[BadgeBrief]
    totals: Totals


class EventFigures(BaseModel):
    event_id: int
    capacity: int | None
    registered: int
    waitlisted: int
    cancelled: int
    attended: int
    attended_registered: int = Field(description="Attendees who held a place")
    walk_ins: int = Field(description="Attendees without a place (waitlisted or unregistered)")
    no_shows: int = Field(description="Places held by members who did not attend")
    points_awarded: int


class RegistrationRow(BaseModel):
    member_id: int
    name: str
    is_child: bool
    status: RegistrationStatus
    queued_at: dt.datetime
    attended: bool
