"""Event places: register (a place, or the waitlist when full), give a place up, and the
waitlist moving up into a freed place.

Every change to an event's places runs under the event's row lock (PostgreSQL; SQLite runs
one writer at a time), so capacity holds and the waitlist moves up in order whatever the
interleaving; the counters move by atomic `SET x = x + n` updates beside the rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.problems import conflict, not_found
from app.models.events import Event, EventAttendance, EventRegistration
from app.models.member import Member
from app.programmes.common import check_age

REGISTERED, WAITLISTED, CANCELLED = "registered", "waitlisted", "cancelled"


def locked(session: Session, event_id: int) -> Event:
    """The event re-read under its row lock: places change one request at a time."""
    ev = session.execute(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return ev


def _open_for_places(ev: Event, now: datetime) -> None:
    if ev.cancelled_at is not None:
        raise conflict("This event was cancelled.", "event-cancelled")
    if ev.ends_at <= now:
        raise conflict("This event is over.", "event-over")


def register(session: Session, member: Member, event_id: int, tz: str, now: datetime) -> Event:
    """Take a place, or a place on the waitlist when the event is full; asking again
    changes nothing."""
    ev = locked(session, event_id)
    _open_for_places(ev, now)
    check_age(ev.age_groups, member, local_date(now, tz).year, "event")
    reg = session.execute(
        select(EventRegistration).where(
            EventRegistration.event_id == ev.id, EventRegistration.member_id == member.id
        )
    ).scalar_one_or_none()
    if reg is not None and reg.status != CANCELLED:
        return ev
    full = ev.capacity is not None and ev.registered >= ev.capacity
    status = WAITLISTED if full or ev.waitlisted > 0 else REGISTERED
    queue_no = session.execute(
        update(Event)
        .where(Event.id == ev.id)
        .values(queue_seq=Event.queue_seq + 1)
        .returning(Event.queue_seq)
    ).scalar_one()
    if reg is None:
        reg = EventRegistration(
            event_id=ev.id or 0,
            member_id=member.id or 0,
            status=status,
            queue_no=queue_no,
            queued_at=now,
        )
    else:
        reg.status, reg.queue_no, reg.queued_at = status, queue_no, now
        reg.promoted_at = reg.cancelled_at = None
    session.add(reg)
    _count(session, ev, **{status: 1})
    session.flush()
    session.refresh(ev)
    return ev


def _count(session: Session, ev: Event, registered: int = 0, waitlisted: int = 0) -> None:
    session.execute(
        update(Event)
        .where(Event.id == ev.id)
        .values(registered=Event.registered + registered, waitlisted=Event.waitlisted + waitlisted)
    )


def cancel_registration(session: Session, member: Member, event_id: int, now: datetime) -> None:
    """Give up a place (the first on the waitlist moves up) or a place on the waitlist."""
    ev = locked(session, event_id)
    if ev.ends_at <= now:
        raise conflict("This event is over.", "event-over")
    reg = session.execute(
        select(EventRegistration).where(
            EventRegistration.event_id == ev.id, EventRegistration.member_id == member.id
        )
    ).scalar_one_or_none()
    if reg is None or reg.status == CANCELLED:
        raise not_found("Registration")
    if session.get(EventAttendance, (ev.id, member.id)) is not None:
        raise conflict("You attended this event; your registration stays.", "attended")
    was = reg.status
    reg.status, reg.cancelled_at = CANCELLED, now
    session.add(reg)
    session.flush()
    if was == WAITLISTED:
        _count(session, ev, waitlisted=-1)
        return
    _count(session, ev, registered=-1)
    if ev.cancelled_at is None:
        promote(session, ev, now)


def promote(session: Session, ev: Event, now: datetime) -> bool:
    """Move the first member of the waitlist into a freed place; False when none waits."""
    first = session.execute(
        select(EventRegistration)
        .where(EventRegistration.event_id == ev.id, EventRegistration.status == WAITLISTED)
        .order_by(EventRegistration.queue_no)
        .limit(1)
    ).scalar_one_or_none()
    if first is None:
        return False
    first.status, first.promoted_at = REGISTERED, now
    session.add(first)
    _count(session, ev, registered=1, waitlisted=-1)
    session.flush()
    return True
