"""Prize drawings: define, freeze the entries with a committed seed, draw once, redraw for a
winner who does not claim, record pick-up.

Every step runs under the drawing's row lock (PostgreSQL; SQLite runs one writer at a time)
and checks the status it needs, so freezing and drawing happen once whatever the race; the
unique (drawing, member) and (drawing, draw position) pairs back it up. The draw itself is
`app.scoring.drawings.draw_order`, pure and documented, so the export recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, insert, select, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.pagination import decode_cursor, paginate
from app.core.problems import conflict, forbidden, not_found, unprocessable
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.drawings import (
    ClaimIn,
    Drawing,
    DrawingCreate,
    DrawingEntry,
    DrawingExport,
    DrawingPublic,
    DrawingWinner,
    ExportEntry,
    MyPrize,
    RedrawIn,
    WinnerPublic,
    WinnerStaffView,
)
from app.models.events import Event, EventAttendance
from app.models.library import Library
from app.models.member import Member, age_group
from app.models.reading import LedgerEntry
from app.programmes.common import is_staff_of, sees_library
from app.scoring import drawings as algorithm
from app.scoring.drawings import Candidate, Eligibility, Entry, commitment, draw_order, tickets


def visible(session: Session, member: Member, drawing_id: int) -> Drawing:
    d = session.get(Drawing, drawing_id)
    if d is None or not sees_library(member, d.library_id):
        raise not_found("Drawing")
    return d


def editable(session: Session, staff: Member, drawing_id: int) -> Drawing:
    d = visible(session, staff, drawing_id)
    if not is_staff_of(staff, d.library_id):
        raise forbidden("Only this library's staff may run its drawings.")
    return d


def _locked(session: Session, drawing_id: int) -> Drawing:
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
    after = decode_cursor(cursor, {"id": int})
    stmt = (
        select(Drawing)
        .where(Drawing.library_id == lib.id)
        .order_by(Drawing.id.desc())
        .limit(limit + 1)
    )
    if after:
        stmt = stmt.where(Drawing.id < after["id"])
    page, nxt = paginate(list(session.execute(stmt).scalars()), limit, lambda d: {"id": d.id or 0})
    return [public(session, d, member) for d in page], nxt


def _window(session: Session, d: Drawing) -> tuple[object, object] | None:
    if d.challenge_id is not None:
        ch = session.get(Challenge, d.challenge_id)
        assert ch is not None
        return ch.starts_on, ch.ends_on
    if d.starts_on is not None and d.ends_on is not None:
        return d.starts_on, d.ends_on
    return None


def _candidates(session: Session, d: Drawing, year: int) -> list[tuple[Member, Candidate]]:
    """Every member of the library (not staff) with the facts eligibility reads."""
    window = _window(session, d)
    points_col: Any
    if window is None:
        points_col = Member.points_total
    else:
        points_col = (
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.member_id == Member.id, LedgerEntry.day.between(*window))
            .correlate(Member)
            .scalar_subquery()
        )
    completed = (
        select(func.count())
        .where(
            ChallengeParticipant.member_id == Member.id,
            ChallengeParticipant.challenge_id == d.challenge_id,
            ChallengeParticipant.completed_at.is_not(None),
        )
        .correlate(Member)
        .scalar_subquery()
    )
    attended = (
        select(func.count())
        .where(EventAttendance.member_id == Member.id, EventAttendance.event_id == d.event_id)
        .correlate(Member)
        .scalar_subquery()
    )
    # The programme: the drawing's series, else its challenge.
    same_programme: Any
    if d.series is not None:
        same_programme = Drawing.series == d.series
    elif d.challenge_id is not None:
        same_programme = Drawing.challenge_id == d.challenge_id
    else:
        same_programme = false()
    won = (
        select(func.count())
        .select_from(DrawingWinner)
        .join(Drawing, Drawing.id == DrawingWinner.drawing_id)
        .where(
            DrawingWinner.member_id == Member.id,
            DrawingWinner.status != "forfeited",
            Drawing.library_id == d.library_id,
            same_programme,
            Drawing.id != d.id,
        )
        .correlate(Member)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Member, points_col, completed, attended, won)
        .where(Member.library_id == d.library_id, Member.role == "member")
        .order_by(Member.id)
    ).all()
    return [
        (
            m,
            Candidate(
                member_id=m.id or 0,
                age_group=age_group(m.birth_year, year),
                points=int(p),
                completed_challenge=bool(c),
                attended_event=bool(a),
                won_before=bool(w),
            ),
        )
        for m, p, c, a, w in rows
    ]


def _entries_digest(entries: list[dict[str, object]]) -> str:
    canonical = json.dumps(
        [[e["entry_no"], e["tickets"], e["name"]] for e in entries],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def freeze(session: Session, drawing_id: int, lib: Library, now: datetime) -> Drawing:
    """Fix the entries and commit to a secret seed (its SHA-256 is published now)."""
    d = _locked(session, drawing_id)
    if d.status != "open":
        raise conflict("The entries of this drawing are already fixed.", "already-frozen")
    rule = Eligibility(
        age_groups=frozenset(d.age_groups),
        min_points=d.min_points,
        require_completed_challenge=d.require_completed_challenge,
        require_event=d.event_id is not None,
        exclude_previous_winners=d.exclude_previous_winners,
        weighting=d.weighting,
        points_per_ticket=d.points_per_ticket,
    )
    year = local_date(now, lib.timezone).year
    entries: list[dict[str, object]] = []
    for member, candidate in _candidates(session, d, year):
        held = tickets(candidate, rule)
        if held > 0:
            entries.append(
                {
                    "drawing_id": d.id,
                    "entry_no": len(entries) + 1,
                    "member_id": member.id,
                    "tickets": held,
                    "name": member.public_name(),
                }
            )
    if not entries:
        raise unprocessable(
            "No member is eligible for this drawing under its conditions.",
            slug="no-eligible-member",
        )
    session.execute(insert(DrawingEntry.__table__), entries)
    seed = secrets.token_hex(32)
    d.status, d.frozen_at = "frozen", now
    d.seed, d.seed_sha256 = seed, commitment(seed)
    d.entries_sha256 = _entries_digest(entries)
    d.entries_count = len(entries)
    d.tickets_total = sum(int(e["tickets"]) for e in entries)
    session.add(d)
    session.flush()
    return d


def _entries(session: Session, d: Drawing) -> list[DrawingEntry]:
    return list(
        session.execute(
            select(DrawingEntry)
            .where(DrawingEntry.drawing_id == d.id)
            .order_by(DrawingEntry.entry_no)
        ).scalars()
    )


def _order(session: Session, d: Drawing, count: int) -> tuple[list[int], dict[int, DrawingEntry]]:
    entries = _entries(session, d)
    assert d.seed is not None
    order = draw_order([Entry(e.entry_no, e.tickets) for e in entries], d.seed, count)
    return order, {e.entry_no: e for e in entries}


def draw(session: Session, drawing_id: int, now: datetime) -> Drawing:
    """Draw the winners, once."""
    d = _locked(session, drawing_id)
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
    d = _locked(session, drawing_id)
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
    d = _locked(session, drawing_id)
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
            for e in _entries(session, d)
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
