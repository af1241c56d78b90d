"""Streak reminders in chat, opt-in only ("ingatkan jam 19", "ingatkan mati"): at the hour
chosen, in the library's time zone, a linked chat is told when a streak would break
today (its member's own, or a child's: children are reached through their guardian,
never directly), at most once a day. Whether a streak breaks today is settled at the
first look after the hour (yesterday is over, and a log today only saves it), so the
day is claimed then, before anything is sent, by one worker only."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session
from telegram import Bot

from app.accounts import consent
from app.core.clock import as_utc
from app.core.config import Settings
from app.core.db import transaction
from app.integrations.bots import family, outgoing
from app.models.chat import ChatLink
from app.models.library import Library
from app.models.member import Member
from app.scoring import streak_before
from app.services import members
from app.services.stats import counted_days

OFF = {"mati", "off", "stop", "berhenti", "tidak"}
_HOUR = re.compile(r"(\d{1,2})(?:[.:]00)?")


@dataclass(frozen=True, slots=True)
class Outgoing:
    platform: str
    chat_id: str
    text: str


def command(session: Session, link: ChatLink, member: Member, rest: str) -> str:
    """'ingatkan' (status), 'ingatkan jam 19' / 'ingatkan 19' / 'ingatkan ya', 'ingatkan mati'."""
    tz = members.library_of(session, member).timezone
    words = rest.lower().replace("jam", " ").split()
    if words and words[0] in OFF:
        link.reminders = False
        session.add(link)
        return "Pengingat streak dimatikan. Nyalakan lagi: ingatkan jam 19"
    if words:
        match = _HOUR.fullmatch(words[0])
        if match is None and words[0] not in ("ya", "on", "nyala", "aktif"):
            return "Tulis seperti ini: ingatkan jam 19 (jam 0-23), atau: ingatkan mati"
        if match is not None:
            hour = int(match.group(1))
            if hour > 23:
                return "Jam harus antara 0 dan 23, mis. ingatkan jam 19"
            link.reminder_hour = hour
        link.reminders = True
        session.add(link)
    if not link.reminders:
        return "Pengingat streak belum aktif. Nyalakan: ingatkan jam 19"
    return (
        f"Pengingat streak aktif: jam {link.reminder_hour:02d}.00 ({tz}), hanya pada hari "
        "streak Anda (atau anak Anda) akan putus. Matikan: ingatkan mati"
    )


def at_risk(session: Session, member_id: int, today: date) -> int:
    """The streak that breaks unless something is read today (0: none at risk)."""
    days = frozenset(counted_days(session, member_id))
    if today in days or today - timedelta(days=1) not in days:
        return 0
    return streak_before(days, today)


def message_for(session: Session, member: Member, today: date) -> str | None:
    lines = []
    own = at_risk(session, member.id or 0, today)
    if own:
        lines.append(
            f"\U0001f525 Streak membaca Anda ({own} hari) akan putus hari ini! Baca sebentar, "
            "lalu kirim: baca 10 halaman <judul>"
        )
    for child in family.children_of(session, member):
        if not consent.has_active(session, child.id or 0):
            continue
        n = at_risk(session, child.id or 0, today)
        if n:
            name = family.name_of(child)
            lines.append(
                f"\U0001f525 Streak membaca {name} ({n} hari) akan putus hari ini. Catat "
                f"bacaannya: baca 10 halaman <judul> untuk {name}"
            )
    if not lines:
        return None
    lines.append("(Matikan pengingat: ingatkan mati)")
    return "\n".join(lines)


def due(session: Session, now: datetime) -> list[Outgoing]:
    """Claim today's reminder of every opted-in member past their hour; what to send."""
    rows = session.execute(
        select(ChatLink, Member, Library.timezone)
        .join(Member, Member.id == ChatLink.member_id)
        .join(Library, Library.id == Member.library_id)
        .where(ChatLink.reminders.is_(True), Member.deleted_at.is_(None))
        .order_by(ChatLink.member_id, ChatLink.linked_at.desc())
    ).all()
    by_member: dict[int, list[tuple[ChatLink, Member, str]]] = {}
    for link, member, tz in rows:
        by_member.setdefault(member.id or 0, []).append((link, member, tz))
    out = []
    for member_id, links in by_member.items():
        link, member, tz = links[0]  # the chat linked last speaks for the member
        local = as_utc(now).astimezone(ZoneInfo(tz))
        today = local.date()
        if any(x.reminded_on == today for x, _, _ in links) or local.hour < link.reminder_hour:
            continue
        claimed = session.execute(
            update(ChatLink)
            .where(
                ChatLink.member_id == member_id,
                ChatLink.reminders.is_(True),
                or_(ChatLink.reminded_on.is_(None), ChatLink.reminded_on != today),
            )
            .values(reminded_on=today)
        ).rowcount
        if claimed != len(links):  # another worker took this member today
            continue
        text = message_for(session, member, today)
        if text:
            out.append(Outgoing(link.platform, link.chat_id, text))
    return out


async def _send(settings: Settings, out: list[Outgoing]) -> int:
    sent = 0
    telegram = [o for o in out if o.platform == "telegram"]
    if telegram and settings.telegram_bot_token:
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url) as bot:
            for o in telegram:
                sent += await outgoing.telegram_send(bot, o.chat_id, o.text)
    if settings.whatsapp_access_token:
        for o in out:
            if o.platform == "whatsapp":
                sent += await outgoing.whatsapp_send(settings, o.chat_id, o.text, template=True)
    return sent


def send_due(engine: Engine, settings: Settings, now: datetime) -> int:
    """One pass (the worker's every few minutes, or `python -m app reminders send`):
    claimed first and committed, then sent; how many were sent."""
    with transaction(engine, write=False) as session:  # nobody opted in: no write lock
        wanted = select(ChatLink.id).where(ChatLink.reminders.is_(True)).limit(1)
        if session.execute(wanted).first() is None:
            return 0
    with transaction(engine) as session:
        out = due(session, now)
    return asyncio.run(_send(settings, out)) if out else 0
