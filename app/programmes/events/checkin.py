"""Checking in at an event with its secret code (typed, or read from its QR code).

Attendance happens once (the attendance row's primary key), only inside the event's
window plus its grace, and books the event's points through the ledger. Wrong codes are
remembered per member and limit guessing: past GUESS_LIMIT failures in GUESS_WINDOW the
member waits. A member's check-ins run under the member's row lock, so a burst of guesses
cannot slip past the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlmodel import Session

from app.core.clock import as_utc, local_date
from app.core.db import insert_ignore, lock_member
from app.core.problems import Problem, conflict, unprocessable
from app.models.events import CheckInFailure, CheckInIn, CheckInResult, Event, EventAttendance
from app.models.library import Library
from app.models.member import Member
from app.programmes.common import awards_out, book_reward, check_age
from app.scoring.programmes import (
    PROGRAMME_EVENT,
    check_in_refusal,
    check_in_window,
    lookalike_hint,
    normalize_code,
)
from app.services import ledger

GUESS_LIMIT = 10
GUESS_WINDOW = timedelta(minutes=15)


def _wrong_code(session: Session, member: Member, now: datetime) -> Problem:
    session.add(CheckInFailure(member_id=member.id or 0, at=now))
    session.flush()
    # Kept although the request fails: the failure is what the guessing limit counts.
    return Problem(
        404,
        "unknown-code",
        "No event of your library has that code. Check it with the staff at the event.",
        keep_changes=True,
    )


def _throttle(session: Session, member: Member, now: datetime) -> None:
    since = now - GUESS_WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(CheckInFailure.at)).where(
            CheckInFailure.member_id == member.id, CheckInFailure.at > since
        )
    ).one()
    if int(count) < GUESS_LIMIT:
        return
    wait = max(1, int((as_utc(oldest) + GUESS_WINDOW - now).total_seconds()) + 1)
    raise Problem(
        429,
        "too-many-guesses",
        f"Too many wrong codes; try again in {(wait + 59) // 60} minutes.",
        headers={"Retry-After": str(wait)},
    )


def _fmt(instant: datetime, tz: str) -> str:
    return as_utc(instant).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def check_in(session: Session, member: Member, data: CheckInIn, now: datetime) -> CheckInResult:
    code = normalize_code(data.code)
    if code is None:
        hint = (
            " Codes have no 0, O, 1, l or I: read them as letters and digits 2-9."
            if lookalike_hint(data.code)
            else ""
        )
        raise unprocessable(f"That is not a check-in code (8 letters and digits).{hint}", "code")
    lock_member(session, member.id or 0)
    _throttle(session, member, now)
    ev = session.execute(select(Event).where(Event.code == code)).scalar_one_or_none()
    if (
        ev is None
        or ev.library_id != member.library_id
        or not ev.published
        or ev.cancelled_at is not None
    ):
        raise _wrong_code(session, member, now)
    lib = session.get(Library, ev.library_id)
    assert lib is not None
    window = check_in_window(ev.starts_at, ev.ends_at, ev.grace_minutes)
    refusal = check_in_refusal(window, now)
    if refusal == "not-open-yet":
        raise conflict(
            f"Check-in for this event opens at {_fmt(window.opens_at, lib.timezone)} "
            f"({lib.timezone}).",
            "check-in-not-open",
            opens_at=window.opens_at.isoformat(),
        )
    if refusal == "closed":
        raise conflict(
            f"Check-in for this event closed at {_fmt(window.closes_at, lib.timezone)} "
            f"({lib.timezone}).",
            "check-in-closed",
            closes_at=window.closes_at.isoformat(),
        )
    day = local_date(now, lib.timezone)
    check_age(ev.age_groups, member, day.year, "event")
    if not insert_ignore(
        session,
        EventAttendance.__table__,
        {
            "event_id": ev.id,
            "member_id": member.id,
            "attended_at": now,
            "day": day,
            "via": data.via,
            "ledger_entry_id": None,
        },
    ):
        raise conflict("You have already checked in at this event.", "already-checked-in")
    rows = [ledger.Row(PROGRAMME_EVENT, ev.points)] if ev.points else []
    booked, earned = book_reward(
        session, member, rows, badge_id=ev.badge_id, day=day, now=now, timezone=lib.timezone
    )
    own = next((b for b in booked if b.rule_code == PROGRAMME_EVENT), None)
    if own is not None:
        session.execute(
            update(EventAttendance)
            .where(EventAttendance.event_id == ev.id, EventAttendance.member_id == member.id)
            .values(ledger_entry_id=own.id)
        )
    points, badges_out = awards_out(booked, earned)
    return CheckInResult(
        event_id=ev.id or 0,
        title=ev.title,
        attended_at=now,
        points=points,
        badges_earned=badges_out,
        totals=ledger.totals(session, member.id or 0),
    )
