"""Prize drawings: define, freeze the entries with a committed seed, draw once, redraw for a
winner who does not claim, record pick-up.

Here: defining a drawing, seeing it, and its row lock. The entries (and `freeze`) are
`entries.py`; the draw, claims, redraws, winners and the export are `winners.py`.

Every step runs under the drawing's row lock (PostgreSQL; SQLite runs one writer at a time)
and checks the status it needs, so freezing and drawing happen once whatever the race; the
unique (drawing, member) and (drawing, draw position) pairs back it up. The draw itself is
`app.scoring.drawings.draw_order`, pure and documented, so the export recomputes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from app.core.access import staff_only, visible_row
from app.core.pagination import id_page
from app.core.problems import unprocessable
from app.models.challenge import Challenge
from app.models.drawings import Drawing, DrawingCreate, DrawingEntry, DrawingPublic
from app.models.events import Event
from app.models.library import Library
from app.models.member import Member


def visible(session: Session, member: Member, drawing_id: int) -> Drawing:
    return visible_row(session, Drawing, drawing_id, member, "Drawing")


def editable(session: Session, staff: Member, drawing_id: int) -> Drawing:
    refusal = "Only this library's staff may run its drawings."
    return staff_only(visible(session, staff, drawing_id), staff, refusal)


def locked(session: Session, drawing_id: int) -> Drawing:
    return session.execute(
        select(Drawing)
        .where(Drawing.id == drawing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def create(
    session: Session, staff: Member, lib: Library, data: DrawingCreate, now: datetime
) -> Drawing:
    if data.challenge_id is not None:
        ch = session.get(Challenge, data.challenge_id)
        if ch is None or ch.library_id != lib.id or ch.deleted_at is not None:
            raise unprocessable("That challenge is not one of this library's.", "challenge_id")
    if data.event_id is not None:
        ev = session.get(Event, data.event_id)
        if ev is None or ev.library_id != lib.id:
            raise unprocessable("That event is not one of this library's.", "event_id")
    d = Drawing(
        library_id=lib.id or 0,
        **data.model_dump(exclude={"age_groups"}),
        age_groups=sorted(set(data.age_groups)),
        created_by=staff.id or 0,
        created_at=now,
    )
    session.add(d)
    session.flush()
    return d


def public(session: Session, d: Drawing, member: Member | None = None) -> DrawingPublic:
    mine = None
    if member is not None and d.status != "open":
        mine = (
            session.execute(
                select(DrawingEntry.tickets).where(
                    DrawingEntry.drawing_id == d.id, DrawingEntry.member_id == member.id
                )
            ).scalar_one_or_none()
            or 0
        )
    return DrawingPublic(
        id=d.id or 0,
        title=d.title,
        prize=d.prize,
        series=d.series,
        challenge_id=d.challenge_id,
        starts_on=d.starts_on,
        ends_on=d.ends_on,
        require_completed_challenge=d.require_completed_challenge,
        min_points=d.min_points,
        age_groups=list(d.age_groups),
        event_id=d.event_id,
        weighting=d.weighting,
        points_per_ticket=d.points_per_ticket,
        winners=d.winners,
        exclude_previous_winners=d.exclude_previous_winners,
        status=d.status,
        entries_count=d.entries_count,
        tickets_total=d.tickets_total,
        entries_sha256=d.entries_sha256,
        seed_sha256=d.seed_sha256,
        seed=d.seed if d.status == "drawn" else None,
        frozen_at=d.frozen_at,
        drawn_at=d.drawn_at,
        my_tickets=mine,
    )


def list_for(
    session: Session, member: Member, lib: Library, limit: int, cursor: str | None
) -> tuple[list[DrawingPublic], str | None]:
    stmt = select(Drawing).where(Drawing.library_id == lib.id)
    page, nxt = id_page(
        session, stmt, Drawing.id, lambda d: d.id, limit, cursor, newest_first=True, scalars=True
    )
    return [public(session, d, member) for d in page], nxt
