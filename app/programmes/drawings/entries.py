"""A drawing's entries: who is eligible and with how many tickets, fixed once by `freeze`
with a committed seed (its SHA-256 published before the draw).

Runs under the drawing's row lock and checks its status, so the entries are fixed once
whatever the race.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, insert, select
from sqlmodel import Session

from app.core.clock import local_date
from app.core.problems import conflict, unprocessable
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.drawings import Drawing, DrawingEntry, DrawingWinner
from app.models.events import EventAttendance
from app.models.library import Library
from app.models.member import Member, age_group
from app.models.reading import LedgerEntry
from app.programmes.drawings.service import locked
from app.scoring.drawings import Candidate, Eligibility, commitment, tickets


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
    d = locked(session, drawing_id)
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


def entries_of(session: Session, d: Drawing) -> list[DrawingEntry]:
    return list(
        session.execute(
            select(DrawingEntry)
            .where(DrawingEntry.drawing_id == d.id)
            .order_by(DrawingEntry.entry_no)
        ).scalars()
    )
