"""An event's figures for its staff: places, waitlist, attendance, walk-ins, no-shows and
points, and the list of registrations."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlmodel import Session

from app.core.pagination import id_page
from app.models.events import (
    Event,
    EventAttendance,
    EventFigures,
    EventRegistration,
    RegistrationRow,
)
from app.models.member import Member
from app.models.reading import LedgerEntry
from app.programmes.events.registration import CANCELLED, REGISTERED, WAITLISTED


def figures(session: Session, ev: Event) -> EventFigures:
    by_status = {
        s: int(n)
        for s, n in session.execute(
            select(EventRegistration.status, func.count())
            .where(EventRegistration.event_id == ev.id)
            .group_by(EventRegistration.status)
        )
    }
    attended = int(
        session.execute(select(func.count()).where(EventAttendance.event_id == ev.id)).scalar_one()
    )
    with_place = int(
        session.execute(
            select(func.count())
            .select_from(EventAttendance)
            .join(
                EventRegistration,
                and_(
                    EventRegistration.event_id == EventAttendance.event_id,
                    EventRegistration.member_id == EventAttendance.member_id,
                ),
            )
            .where(EventAttendance.event_id == ev.id, EventRegistration.status == REGISTERED)
        ).scalar_one()
    )
    points = int(
        session.execute(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .select_from(EventAttendance)
            .join(LedgerEntry, LedgerEntry.id == EventAttendance.ledger_entry_id)
            .where(EventAttendance.event_id == ev.id)
        ).scalar_one()
    )
    registered = by_status.get(REGISTERED, 0)
    return EventFigures(
        event_id=ev.id or 0,
        capacity=ev.capacity,
        registered=registered,
        waitlisted=by_status.get(WAITLISTED, 0),
        cancelled=by_status.get(CANCELLED, 0),
        attended=attended,
        attended_registered=with_place,
        walk_ins=attended - with_place,
        no_shows=registered - with_place,
        points_awarded=points,
    )


def registrations(
    session: Session, ev: Event, limit: int, cursor: str | None
) -> tuple[list[RegistrationRow], str | None]:
    attended = (
        select(func.count())
        .where(
            EventAttendance.event_id == EventRegistration.event_id,
            EventAttendance.member_id == EventRegistration.member_id,
        )
        .correlate(EventRegistration)
        .scalar_subquery()
    )
    stmt = (
        select(EventRegistration, Member, attended)
        .join(Member, Member.id == EventRegistration.member_id)
        .where(EventRegistration.event_id == ev.id)
    )
    page, nxt = id_page(session, stmt, EventRegistration.id, lambda r: r[0].id, limit, cursor)
    return [
        RegistrationRow(
            member_id=m.id or 0,
            name=m.public_name() if m.is_child else m.display_name,
            is_child=m.is_child,
            status=r.status,
            queued_at=r.queued_at,
            attended=bool(n),
        )
        for r, m, n in page
    ], nxt
