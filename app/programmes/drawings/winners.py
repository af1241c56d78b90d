"""A drawing's winners: the draw (once), pick-up, a redraw for a winner who does not claim,
the lists of winners, the export that lets anyone recompute the draw, and a member's prizes.

Every step runs under the drawing's row lock and checks the status it needs; the unique
(drawing, draw position) pair backs it up. The order is `app.scoring.drawings.draw_order`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlmodel import Session

from app.core.problems import conflict, not_found
from app.models.drawings import (
    ClaimIn,
    Drawing,
    DrawingEntry,
    DrawingExport,
    DrawingWinner,
    ExportEntry,
    MyPrize,
    RedrawIn,
    WinnerPublic,
    WinnerStaffView,
)
from app.models.member import Member
from app.programmes.drawings.entries import entries_of
from app.programmes.drawings.service import locked, public
from app.scoring import drawings as algorithm
from app.scoring.drawings import Entry, draw_order


def _order(session: Session, d: Drawing, count: int) -> tuple[list[int], dict[int, DrawingEntry]]:
    entries = entries_of(session, d)
    assert d.seed is not None
    order = draw_order([Entry(e.entry_no, e.tickets) for e in entries], d.seed, count)
    return order, {e.entry_no: e for e in entries}


def draw(session: Session, drawing_id: int, now: datetime) -> Drawing:
    """Draw the winners, once."""
    d = locked(session, drawing_id)
    if d.status == "open":
        raise conflict("Fix the entries first (POST .../freeze).", "not-frozen")
    if d.status == "drawn":
        raise conflict("This drawing has been drawn.", "already-drawn")
    order, by_no = _order(session, d, d.winners)
    for position, entry_no in enumerate(order, start=1):
        session.add(
            DrawingWinner(
                drawing_id=d.id or 0,
                prize_no=position,
                draw_position=position,
                entry_no=entry_no,
                member_id=by_no[entry_no].member_id,
                drawn_at=now,
            )
        )
    d.status, d.drawn_at, d.drawn_count = "drawn", now, len(order)
    session.add(d)
    session.flush()
    return d


def _winner(session: Session, d: Drawing, winner_id: int) -> DrawingWinner:
    w = session.get(DrawingWinner, winner_id)
    if w is None or w.drawing_id != d.id:
        raise not_found("Winner")
    return w


def claim(
    session: Session, staff: Member, drawing_id: int, winner_id: int, data: ClaimIn, now: datetime
) -> DrawingWinner:
    d = locked(session, drawing_id)
    w = _winner(session, d, winner_id)
    if w.status == "claimed":
        raise conflict("This prize has been picked up.", "already-claimed")
    if w.status == "forfeited":
        raise conflict("This win was given up and redrawn.", "forfeited")
    w.status, w.claimed_at, w.recorded_by = "claimed", now, staff.id
    w.collected_by, w.note = data.collected_by, data.note
    session.add(w)
    session.flush()
    return w


def redraw(
    session: Session, staff: Member, drawing_id: int, winner_id: int, data: RedrawIn, now: datetime
) -> DrawingWinner:
    """Give an unclaimed prize to the next entry in the draw order; both are recorded."""
    d = locked(session, drawing_id)
    w = _winner(session, d, winner_id)
    if w.status != "pending":
        raise conflict("Only a prize nobody has picked up can be redrawn.", "not-pending")
    order, by_no = _order(session, d, d.drawn_count + 1)
    if len(order) <= d.drawn_count:
        raise conflict("Every entry has been drawn; nobody is left to draw.", "no-entries-left")
    entry_no = order[d.drawn_count]
    w.status, w.forfeited_at, w.note, w.recorded_by = "forfeited", now, data.reason, staff.id
    session.add(w)
    replacement = DrawingWinner(
        drawing_id=d.id or 0,
        prize_no=w.prize_no,
        draw_position=d.drawn_count + 1,
        entry_no=entry_no,
        member_id=by_no[entry_no].member_id,
        drawn_at=now,
        replaces_id=w.id,
    )
    session.add(replacement)
    session.execute(
        update(Drawing).where(Drawing.id == d.id).values(drawn_count=Drawing.drawn_count + 1)
    )
    session.flush()
    return replacement


def _winner_rows(session: Session, d: Drawing) -> list[tuple[DrawingWinner, DrawingEntry]]:
    return list(
        session.execute(
            select(DrawingWinner, DrawingEntry)
            .join(
                DrawingEntry,
                and_(
                    DrawingEntry.drawing_id == DrawingWinner.drawing_id,
                    DrawingEntry.entry_no == DrawingWinner.entry_no,
                ),
            )
            .where(DrawingWinner.drawing_id == d.id)
            .order_by(DrawingWinner.draw_position)
        ).all()
    )


def winners(session: Session, d: Drawing) -> list[WinnerPublic]:
    rows = _winner_rows(session, d)
    positions = {w.id: w.draw_position for w, _ in rows}
    return [
        WinnerPublic(
            prize_no=w.prize_no,
            draw_position=w.draw_position,
            entry_no=w.entry_no,
            name=e.name,
            status=w.status,
            replaces_position=positions.get(w.replaces_id) if w.replaces_id else None,
        )
        for w, e in rows
    ]


def winners_for_staff(session: Session, d: Drawing) -> list[WinnerStaffView]:
    rows = _winner_rows(session, d)
    public_rows = winners(session, d)
    return [
        WinnerStaffView(
            **p.model_dump(),
            id=w.id or 0,
            member_id=w.member_id,
            drawn_at=w.drawn_at,
            claimed_at=w.claimed_at,
            collected_by=w.collected_by,
            forfeited_at=w.forfeited_at,
            note=w.note,
        )
        for (w, _), p in zip(rows, public_rows, strict=True)
    ]


def export(session: Session, d: Drawing) -> DrawingExport:
    if d.status == "open":
        raise conflict("The entries are not fixed yet; there is nothing to export.", "not-frozen")
    return DrawingExport(
        drawing=public(session, d),
        algorithm=algorithm.__doc__ or "",
        entries=[
            ExportEntry(entry_no=e.entry_no, name=e.name, tickets=e.tickets)
            for e in entries_of(session, d)
        ],
        winners=winners(session, d),
    )


def my_prizes(session: Session, member: Member) -> list[MyPrize]:
    rows = session.execute(
        select(DrawingWinner, Drawing)
        .join(Drawing, Drawing.id == DrawingWinner.drawing_id)
        .where(DrawingWinner.member_id == member.id)
        .order_by(DrawingWinner.id.desc())
    ).all()
    return [
        MyPrize(
            drawing_id=d.id or 0,
            title=d.title,
            prize=d.prize,
            prize_no=w.prize_no,
            status=w.status,
            drawn_at=w.drawn_at,
            claimed_at=w.claimed_at,
        )
        for w, d in rows
    ]
