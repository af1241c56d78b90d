"""What the library's chat bot understands, in Bahasa Indonesia: link the chat to a member
with a one-time code from the app, search books, log reading ("baca 20 halaman Laskar
Pelangi", or "... untuk Budi" for a guardian's child), points, streak and rank, the
week's challenges, events and registering for them, streak reminders. Every action goes
through the same services as the API; a platform update is handled once (its id is
stored in the same transaction), so a replayed webhook changes nothing and gets no
second answer."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.challenges import views as challenge_views
from app.core.clock import local_date
from app.core.config import Settings
from app.core.problems import Problem, forbidden
from app.core.text import fold, like_pattern
from app.integrations.bots import agenda, family, reminders
from app.integrations.webhooks import events
from app.leaderboards.service import leaderboard
from app.models.book import BookCreate
from app.models.chat import ChatLink, ChatLinkCode, ChatLinkCodePublic, ChatUpdate
from app.models.member import Member
from app.models.reading import ReadingLogCreate
from app.models.slims import SlimsHolding
from app.reading.logging import create_log
from app.services import books, members, stats

CODE_MINUTES = 10
HELP = (
    "Halo! Saya bot BacaQuest perpustakaan. Perintah:\n"
    "• hubungkan <kode> — hubungkan chat ini dengan akun (kode dari aplikasi)\n"
    "• cari <judul> — cari buku\n"
    "• baca 20 halaman <judul> (atau: baca 30 menit <judul>, tambah 'selesai' bila tamat;\n"
    "  untuk anak Anda: baca 20 halaman <judul> untuk <nama anak>)\n"
    "• poin — poin, streak dan peringkat minggu ini\n"
    "• tantangan — tantangan yang sedang berjalan\n"
    "• acara — acara perpustakaan; daftar <nomor> / batal <nomor> (bisa: untuk <nama anak>)\n"
    "• ingatkan jam 19 — pengingat bila streak akan putus (ingatkan mati: berhenti)"
)
NOT_LINKED = (
    "Chat ini belum terhubung dengan akun. Buka aplikasi > Profil > Hubungkan chat, "
    "lalu kirim: hubungkan <kode>"
)
_LOG = re.compile(
    r"^baca\s+(\d{1,4})\s*(halaman|hal|hlm|menit|mnt)\s+"
    r"(?:[\"\u201c](.+?)[\"\u201d]|(.+?))(?:\s+(selesai|tamat))?(?:\s+untuk\s+(.+?))?\s*$",
    re.IGNORECASE,
)
_DONE_AFTER = re.compile(r"^(.+?)\s+(selesai|tamat)$", re.IGNORECASE)
_EVENT = re.compile(r"^(\d{1,9})(?:\s+untuk\s+(.+?))?\s*$", re.IGNORECASE)


def _digest(code: str) -> str:
    return hashlib.sha256(f"chat-link:{code}".encode()).hexdigest()


def new_link_code(session: Session, member: Member, now: datetime) -> ChatLinkCodePublic:
    """A one-time code (8 digits, 10 minutes) the member sends to the bot."""
    if member.is_child:
        raise forbidden("A child's reading is logged through their guardian's chat.")
    code = f"{secrets.randbelow(10**8):08d}"
    expires = now + timedelta(minutes=CODE_MINUTES)
    session.add(ChatLinkCode(code_hash=_digest(code), member_id=member.id, expires_at=expires))
    session.flush()
    return ChatLinkCodePublic(code=code, expires_at=expires)


def _link(session: Session, platform: str, chat_id: str, code: str, now: datetime) -> str:
    used = session.execute(
        update(ChatLinkCode)
        .where(
            ChatLinkCode.code_hash == _digest(code),
            ChatLinkCode.used_at.is_(None),
            ChatLinkCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(ChatLinkCode.member_id)
    ).first()
    if used is None:
        return (
            "Kode tidak berlaku (salah, sudah dipakai, atau kedaluwarsa). "
            "Buat kode baru di aplikasi."
        )
    member = session.get(Member, used[0])
    found = session.execute(
        select(ChatLink).where(ChatLink.platform == platform, ChatLink.chat_id == chat_id)
    ).scalar_one_or_none()
    if found is None:
        found = ChatLink(platform=platform, chat_id=chat_id, member_id=used[0], linked_at=now)
    found.member_id, found.linked_at = used[0], now
    session.add(found)
    session.flush()
    name = member.public_name() if member else "Pembaca"
    return f"Berhasil! Chat ini terhubung dengan akun {name}. Kirim 'bantuan' untuk perintah."


def _book_by_title(session: Session, member: Member, title: str, now: datetime) -> int:
    """The library's book of exactly this title, else any book of exactly this title,
    else a new one: a log never lands on a book of another title."""
    wanted = fold(title)
    key = wanted.strip(" /:;.,=") + "|"
    held = session.execute(
        select(SlimsHolding.book_id)
        .where(
            SlimsHolding.library_id == member.library_id,
            SlimsHolding.title_key.like(like_pattern(key)[1:], escape="\\"),
        )
        .order_by(SlimsHolding.book_id)
        .limit(1)
    ).first()
    if held is not None:
        return int(held[0])
    candidates, _ = books.search(session, title, None, 20, None)
    for book in candidates:
        if fold(book.title) == wanted:
            return book.id or 0
    book, _ = books.find_or_create(session, BookCreate(title=title[:300]), now)
    return book.id or 0


def _log(
    session: Session,
    settings: Settings,
    member: Member,
    match: re.Match[str],
    key: str,
    now: datetime,
) -> str:
    amount, unit, quoted, bare, finished, child_name = match.groups()
    title = " ".join((quoted or bare).split())[:300]
    child: Member | None = None
    done_after = _DONE_AFTER.match(child_name or "")
    if done_after:  # "... untuk Budi selesai"
        child_name, finished = done_after.groups()
    if child_name:
        found = family.find_child(session, member, child_name, title_quoted=bool(quoted))
        if isinstance(found, family.Refusal):
            return found.text
        if found is None:  # no children: "untuk ..." belongs to the title
            title = " ".join(f"{title} untuk {child_name}".split())[:300]
        child = found
    pages = int(amount) if unit.lower() in ("halaman", "hal", "hlm") else None
    minutes = None if pages is not None else int(amount)
    try:
        with session.begin_nested():
            book_id = _book_by_title(session, member, title, now)
            data = ReadingLogCreate(
                book_id=book_id,
                pages=pages,
                minutes=minutes,
                finished=bool(finished),
                member_id=child.id if child else None,
            )
            # The same service as the API: a child's log is the guardian's, for the child.
            _, body = create_log(session, member, data, now, key, settings.idempotency_hours)
            events.after_logs(session, settings.secret_key, member, (body,), now)
    except Problem as exc:
        return f"Maaf, catatan tidak disimpan: {exc.detail}"
    except ValueError as exc:
        return f"Maaf, catatan tidak disimpan: {exc}"
    result = json.loads(body)
    points = sum(a["amount"] for a in result["awards"])
    what = f"{pages} halaman" if pages else f"{minutes} menit"
    whose = f" untuk {family.name_of(child)}" if child else ""
    lines = [
        f"Tercatat{whose}: {what} \u201c{title}\u201d. +{points} poin "
        f"(total {result['totals']['total']})."
    ]
    if result["log"]["status"] == "pending_review":
        lines.append("Catatan ini menunggu pemeriksaan pustakawan sebelum poinnya masuk.")
    for badge in result["badges_earned"]:
        lines.append(f"Lencana baru: {badge['name']}!")
    return "\n".join(lines)


def _search(session: Session, member: Member, q: str) -> str:
    found, _ = books.search(session, q[:200], None, 5, None)
    if not found:
        return f"Tidak ada buku yang cocok dengan \u201c{q}\u201d."
    held = set(
        session.execute(
            select(SlimsHolding.book_id).where(
                SlimsHolding.library_id == member.library_id,
                SlimsHolding.book_id.in_([b.id for b in found]),
            )
        ).scalars()
    )
    lines = ["Buku yang cocok:"]
    for b in found:
        mark = " (ada di perpustakaan)" if b.id in held else ""
        lines.append(f"• {b.title}" + (f" — {b.author}" if b.author else "") + mark)
    return "\n".join(lines)


def _points(session: Session, member: Member, now: datetime) -> str:
    lib = members.library_of(session, member)
    today = local_date(now, lib.timezone)
    streak = stats.member_stats(session, member, today).current_streak
    board = leaderboard(
        session,
        member,
        now,
        scope="library",
        ident=None,
        period="week",
        age_group=None,
        limit=1,
    )
    rank = f"peringkat {board.me.rank} minggu ini" if board.me else "belum ada peringkat"
    return (
        f"Poin: {member.points_total} (menunggu: {member.points_pending}). "
        f"Streak: {streak} hari. {rank.capitalize()}."
    )


def _challenges(session: Session, member: Member, now: datetime) -> str:
    lib = members.library_of(session, member)
    today = local_date(now, lib.timezone)
    active, _ = challenge_views.list_for(session, member, lib, "active", today, 5, None)
    if not active:
        return "Belum ada tantangan yang berjalan minggu ini."
    lines = ["Tantangan yang berjalan:"]
    for ch in active:
        lines.append(
            f"• {ch.title} {ch.hashtag} — target {ch.target} {ch.goal}, "
            f"sampai {ch.ends_on:%d-%m-%Y}"
        )
    return "\n".join(lines)


def _event(session: Session, member: Member, command: str, rest: str, now: datetime) -> str:
    match = _EVENT.match(rest)
    if match is None:
        return f"Tulis seperti ini: {command} 12 (nomor acara dari: acara)"
    event_id, child_name = int(match.group(1)), match.group(2)
    with session.begin_nested():  # a refusal leaves nothing behind
        if command == "daftar":
            return agenda.register(session, member, event_id, child_name, now)
        return agenda.cancel(session, member, event_id, child_name, now)


def handle(
    session: Session,
    settings: Settings,
    platform: str,
    chat_id: str,
    update_id: str,
    text: str,
    now: datetime,
) -> str | None:
    """The bot's answer to one message, or None for an update already handled."""
    try:
        with session.begin_nested():
            session.add(ChatUpdate(platform=platform, update_id=update_id[:128], received_at=now))
            session.flush()
    except IntegrityError:
        return None
    message = " ".join(text.split())[:500]
    command, _, rest = message.partition(" ")
    command = command.lower().lstrip("/").split("@")[0]
    if command in ("hubungkan", "start") and rest.strip().isdigit():
        return _link(session, platform, chat_id, rest.strip(), now)
    if command in ("", "start", "bantuan", "help", "mulai"):
        return HELP
    link = session.execute(
        select(ChatLink).where(ChatLink.platform == platform, ChatLink.chat_id == chat_id)
    ).scalar_one_or_none()
    member = session.get(Member, link.member_id) if link else None
    if member is None:
        return NOT_LINKED
    if command == "cari" and rest:
        return _search(session, member, rest)
    if command == "baca":
        match = _LOG.match(message)
        if match is None:
            return "Tulis seperti ini: baca 20 halaman Laskar Pelangi (atau: baca 30 menit ...)"
        return _log(session, settings, member, match, f"{platform}:{update_id}"[:255], now)
    if command in ("ingatkan", "pengingat") and link is not None:
        return reminders.command(session, link, member, rest)
    try:  # a refusal (an account without a library, a full event) is said in chat
        if command in ("poin", "skor", "peringkat", "streak"):
            return _points(session, member, now)
        if command == "tantangan":
            return _challenges(session, member, now)
        if command in ("acara", "agenda", "kegiatan"):
            return agenda.upcoming(session, member, now)
        if command in ("daftar", "batal"):
            return _event(session, member, command, rest, now)
    except Problem as exc:
        return f"Maaf: {exc.detail}"
    return "Maaf, saya belum mengerti. " + HELP
