"""Events: staff create, edit and cancel them; members see them (with their own place).

Taking and giving up places is `registration.py`; the staff's figures are `figures.py`.
Editing and cancelling take the event's row lock too (`registration.locked`), so a change
of capacity and a change of places never interleave.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from app.core.access import is_staff_of, staff_only, visible_published
from app.core.db import insert_ignore
from app.core.pagination import decode_cursor, paginate
from app.core.problems import bad_request, conflict, unprocessable
from app.models.badge import Badge
from app.models.events import (
    MAX_EVENT_HOURS,
    Event,
    EventAttendance,
    EventCreate,
    EventPublic,
    EventRegistration,
    EventStaffView,
    EventUpdate,
    MyRegistration,
)
from app.models.library import Library
from app.models.member import Member
from app.programmes.common import to_local, to_utc
from app.programmes.events.registration import WAITLISTED, locked, promote
from app.scoring.programmes import check_in_window, new_code


def visible(session: Session, member: Member, event_id: int) -> Event:
    """An event the caller may see: their library's; drafts only for its staff."""
    return visible_published(session, Event, event_id, member, "Event")


def editable(session: Session, staff: Member, event_id: int) -> Event:
    return staff_only(
        visible(session, staff, event_id), staff, "Only this library's staff may manage its events."
    )


def create(
    session: Session, staff: Member, lib: Library, data: EventCreate, now: datetime
) -> Event:
    starts_at = to_utc(data.starts_local, lib.timezone)
    ends_at = to_utc(data.ends_local, lib.timezone)
    if ends_at <= now:
        raise unprocessable("The event would already be over.", field="ends_local")
    if data.badge_id is not None:
        badge = session.get(Badge, data.badge_id)
        if badge is None or badge.library_id != lib.id:
            raise unprocessable("That badge is not in this library's catalogue.", field="badge_id")
    values = {
        "library_id": lib.id,
        "title": data.title,
        "description": data.description,
        "kind": data.kind,
        "place": data.place,
        "link": data.link,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "grace_minutes": data.grace_minutes,
        "capacity": data.capacity,
        "age_groups": sorted(set(data.age_groups)),
        "points": data.points,
        "badge_id": data.badge_id,
        "registered": 0,
        "waitlisted": 0,
        "queue_seq": 0,
        "published": data.published,
        "created_by": staff.id,
        "created_at": now,
    }
    # A fresh code is unique but for a one-in-10^11 clash, which the next draw avoids.
    for _ in range(5):
        code = new_code()
        if insert_ignore(session, Event.__table__, {**values, "code": code}):
            return session.execute(select(Event).where(Event.code == code)).scalar_one()
    raise conflict("Could not make a unique check-in code; please try again.")  # pragma: no cover


def _my_registration(session: Session, ev: Event, member: Member) -> MyRegistration | None:
    reg = session.execute(
        select(EventRegistration).where(
            EventRegistration.event_id == ev.id, EventRegistration.member_id == member.id
        )
    ).scalar_one_or_none()
    if reg is None:
        return None
    attended = session.get(EventAttendance, (ev.id, member.id)) is not None
    position = None
    if reg.status == WAITLISTED:
        position = 1 + int(
            session.execute(
                select(func.count()).where(
                    EventRegistration.event_id == ev.id,
                    EventRegistration.status == WAITLISTED,
                    EventRegistration.queue_no < reg.queue_no,
                )
            ).scalar_one()
        )
    return MyRegistration(
        status=reg.status,
        position=position,
        queued_at=reg.queued_at,
        promoted_at=reg.promoted_at,
        attended=attended,
    )


def public(session: Session, ev: Event, lib: Library, member: Member | None) -> EventPublic:
    window = check_in_window(ev.starts_at, ev.ends_at, ev.grace_minutes)
    attendance = session.get(EventAttendance, (ev.id, member.id)) if member is not None else None
    return EventPublic(
        id=ev.id or 0,
        library=lib.slug,
        title=ev.title,
        description=ev.description,
        kind=ev.kind,
        place=ev.place,
        link=ev.link,
        starts_at=ev.starts_at,
        ends_at=ev.ends_at,
        starts_local=to_local(ev.starts_at, lib.timezone),
        ends_local=to_local(ev.ends_at, lib.timezone),
        timezone=lib.timezone,
        check_in_opens_at=window.opens_at,
        check_in_closes_at=window.closes_at,
        capacity=ev.capacity,
        seats_left=None if ev.capacity is None else max(0, ev.capacity - ev.registered),
        registered=ev.registered,
        waitlisted=ev.waitlisted,
        age_groups=list(ev.age_groups),
        points=ev.points,
        badge_id=ev.badge_id,
        published=ev.published,
        cancelled=ev.cancelled_at is not None,
        me=_my_registration(session, ev, member) if member is not None else None,
        attended_at=attendance.attended_at if attendance else None,
    )


def check_in_url(base_url: str, code: str) -> str:
    """The app link a QR code carries: the app opens it and checks in with the code."""
    return f"{base_url.rstrip('/')}/e/{code}"


def staff_view(
    session: Session, ev: Event, lib: Library, staff: Member, base_url: str
) -> EventStaffView:
    out = public(session, ev, lib, staff)
    return EventStaffView(
        **out.model_dump(), code=ev.code, check_in_url=check_in_url(base_url, ev.code)
    )


def list_for(
    session: Session,
    member: Member,
    lib: Library,
    status: str,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> tuple[list[EventPublic], str | None]:
    """Upcoming (not yet over, soonest first) or past (latest first) events."""
    after = decode_cursor(cursor, {"at": str, "id": int})
    at = _cursor_instant(after["at"]) if after else now
    stmt = select(Event).where(Event.library_id == lib.id).limit(limit + 1)
    if not is_staff_of(member, lib.id or 0):
        stmt = stmt.where(Event.published.is_(True))
    if status == "past":
        stmt = stmt.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
        if after:
            stmt = stmt.where(
                or_(Event.starts_at < at, and_(Event.starts_at == at, Event.id < after["id"]))
            )
    else:
        stmt = stmt.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
        if after:
            stmt = stmt.where(
                or_(Event.starts_at > at, and_(Event.starts_at == at, Event.id > after["id"]))
            )
    page, nxt = paginate(
        list(session.execute(stmt).scalars()),
        limit,
        lambda e: {"at": e.starts_at.isoformat(), "id": e.id or 0},
    )
    return [public(session, e, lib, member) for e in page], nxt


def _cursor_instant(raw: str) -> datetime:
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request("The cursor is not valid.", slug="invalid-cursor") from None
    if at.tzinfo is None:
        raise bad_request("The cursor is not valid.", slug="invalid-cursor")
    return at


def update_event(
    session: Session, event_id: int, lib: Library, data: EventUpdate, now: datetime
) -> Event:
    """Edit an event that is not over. More places move the waitlist up; fewer than the
    places held, or new points once someone attended, are refused."""
    ev = locked(session, event_id)
    if ev.cancelled_at is not None:
        raise conflict("This event was cancelled.", "event-cancelled")
    if ev.ends_at <= now:
        raise conflict("This event is over; it can no longer be changed.", "event-over")
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key not in ("place", "link", "capacity"):
            raise unprocessable(f"{key} cannot be null.", field=key)
    starts_at = (
        to_utc(changes["starts_local"], lib.timezone) if "starts_local" in changes else ev.starts_at
    )
    ends_at = to_utc(changes["ends_local"], lib.timezone) if "ends_local" in changes else ev.ends_at
    if ends_at <= starts_at:
        raise unprocessable("ends_local must be after starts_local.", field="ends_local")
    if ends_at <= now:
        raise unprocessable("The event would already be over.", field="ends_local")
    if ends_at - starts_at > timedelta(hours=MAX_EVENT_HOURS):
        raise unprocessable("An event lasts at most 14 days.", field="ends_local")
    place = changes.get("place", ev.place)
    link = changes.get("link", ev.link)
    if ev.kind == "online_live" and not link:
        raise unprocessable("An online event needs a link.", field="link")
    if ev.kind != "online_live" and not place:
        raise unprocessable("An event on site needs a place.", field="place")
    attended = session.execute(
        select(func.count()).where(EventAttendance.event_id == ev.id)
    ).scalar_one()
    if "points" in changes and changes["points"] != ev.points and attended:
        raise conflict(
            "Members have checked in already; the points they earned stay as announced.",
            "attended",
        )
    capacity = changes.get("capacity", ev.capacity)
    if capacity is not None and capacity < ev.registered:
        raise conflict(
            f"{ev.registered} members hold places; the capacity cannot go below that.",
            "places-held",
        )
    for key in ("title", "description", "grace_minutes", "points", "published"):
        if key in changes:
            setattr(ev, key, changes[key])
    if "age_groups" in changes:
        ev.age_groups = sorted(set(changes["age_groups"]))
    ev.place, ev.link, ev.capacity = place, link, capacity
    ev.starts_at, ev.ends_at = starts_at, ends_at
    session.add(ev)
    session.flush()
    while ev.capacity is None or ev.registered < ev.capacity:
        if not promote(session, ev, now):
            break
        session.refresh(ev)
    return ev


def cancel_event(session: Session, event_id: int, now: datetime) -> Event:
    ev = locked(session, event_id)
    if ev.cancelled_at is not None:
        return ev
    if ev.ends_at <= now:
        raise conflict("This event is over; it cannot be cancelled.", "event-over")
    ev.cancelled_at = now
    session.add(ev)
    session.flush()
    return ev
