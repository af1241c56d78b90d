"""The library's events in chat: the coming ones ("acara"), a place taken ("daftar 12",
or "daftar 12 untuk Budi" for a guardian's child) or given up ("batal 12"), through the
same event service as the app, with its age limits, capacity and waitlist."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.core.clock import as_utc
from app.integrations.bots import family
from app.models.events import Event
from app.models.member import Member
from app.programmes.events import registration, service
from app.services import members

DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")


def _when(instant: datetime, tz: str) -> str:
    local = as_utc(instant).astimezone(ZoneInfo(tz))
    return f"{DAYS[local.weekday()]} {local:%d-%m-%Y %H:%M}"


def upcoming(session: Session, member: Member, now: datetime) -> str:
    lib = members.library_of(session, member)
    found, _ = service.list_for(session, member, lib, "upcoming", now, 5, None)
    found = [e for e in found if not e.cancelled]
    if not found:
        return "Belum ada acara yang akan datang."
    lines = ["Acara yang akan datang:"]
    for e in found:
        seats = "" if e.seats_left is None else f", sisa {e.seats_left} tempat"
        mine = ""
        if e.me is not None and e.me.status != "cancelled":
            mine = " — Anda terdaftar" if e.me.status == "registered" else " — Anda antre"
        place = f", {e.place}" if e.place else ""
        when = _when(e.starts_at, lib.timezone)
        lines.append(f"• [{e.id}] {e.title} — {when}{place}{seats}{mine}")
    lines.append("Daftar: kirim daftar <nomor>, mis. daftar " + str(found[0].id))
    return "\n".join(lines)


def _who(session: Session, member: Member, child_name: str | None) -> Member | str:
    if child_name is None:
        return member
    child = family.find_child(session, member, child_name, title_quoted=True)
    if isinstance(child, family.Refusal):
        return child.text
    assert child is not None
    return child


def _whose_event(
    session: Session, member: Member, child_name: str | None, event_id: int
) -> tuple[Member, Event] | str:
    """Who the message speaks for (the member, or the child named) and the event they
    may see; or the reply that refuses."""
    who = _who(session, member, child_name)
    if isinstance(who, str):
        return who
    return who, service.visible(session, who, event_id)


def register(
    session: Session, member: Member, event_id: int, child_name: str | None, now: datetime
) -> str:
    found = _whose_event(session, member, child_name, event_id)
    if isinstance(found, str):
        return found
    who, ev = found
    lib = members.library_of(session, who)
    ev = registration.register(session, who, ev.id or 0, lib.timezone, now)
    mine = service.public(session, ev, lib, who).me
    name = f" {family.name_of(who)}" if who is not member else ""
    when = _when(ev.starts_at, lib.timezone)
    if mine is not None and mine.status == "waitlisted":
        return (
            f"Acara \u201c{ev.title}\u201d ({when}) penuh: tempat{name} di daftar tunggu, "
            f"nomor {mine.position}. Anda dikabari di aplikasi bila ada tempat."
        )
    return f"Terdaftar{name}: \u201c{ev.title}\u201d, {when}. Sampai jumpa!"


def cancel(
    session: Session, member: Member, event_id: int, child_name: str | None, now: datetime
) -> str:
    found = _whose_event(session, member, child_name, event_id)
    if isinstance(found, str):
        return found
    who, ev = found
    registration.cancel_registration(session, who, ev.id or 0, now)
    return f"Pendaftaran untuk \u201c{ev.title}\u201d dibatalkan."
