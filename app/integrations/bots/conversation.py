"""What the library's chat bot understands, in Bahasa Indonesia: link the chat to a member
with a one-time code from the app, search books, log reading ("baca 20 halaman Laskar
Pelangi"), points, streak and rank, the week's challenges. Every action goes through the
same services as the API; a platform update is handled once (its id is stored in the
same transaction), so a replayed webhook changes nothing and gets no second answer."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.clock import local_date
from app.core.config import Settings
from app.core.problems import Problem, forbidden
from app.core.text import fold, like_pattern
from app.leaderboards.service import leaderboard
from app.models.book import BookCreate
from app.models.chat import ChatLink, ChatLinkCode, ChatLinkCodePublic, ChatUpdate
from app.models.member import Member
from app.models.reading import ReadingLogCreate
from app.models.slims import SlimsHolding
from app.reading.logging import create_log
from app.services import books, challenges, members, stats

CODE_MINUTES = 10
HELP = (
    "Halo! Saya bot BacaQuest perpustakaan. Perintah:\n"
    "• hubungkan <kode> — hubungkan chat ini dengan akun (kode dari aplikasi)\n"
    "• cari <judul> — cari buku\n"
    "• baca 20 halaman <judul> (atau: baca 30 menit <judul>, tambah 'selesai' bila tamat)\n"
    "• poin — poin, streak dan peringkat minggu ini\n"
    "• tantangan — tantangan yang sedang berjalan"
)
NOT_LINKED = (
    "Chat ini belum terhubung dengan akun. Buka aplikasi > Profil > Hubungkan chat, "
    "lalu kirim: hubungkan <kode>"
)
_LOG = re.compile(
    r"^baca\s+(\d{1,4})\s*(halaman|hal|hlm|menit|mnt)\s+(.+?)(?:\s+(selesai|tamat))?\s*$",
    re.IGNORECASE,
)


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
    amount, unit, title, finished = match.groups()
    title = " ".join(title.split())[:300]
    pages = int(amount) if unit.lower() in ("halaman", "hal", "hlm") else None
    minutes = None if pages is not None else int(amount)
    try:
        with session.begin_nested():
            book_id = _book_by_title(session, member, title, now)
            data = ReadingLogCreate(
                book_id=book_id, pages=pages, minutes=minutes, finished=bool(finished)
            )
            _, body = create_log(session, member, data, now, key, settings.idempotency_hours)
    except Problem as exc:
        return f"Maaf, catatan tidak disimpan: {exc.detail}"
    except ValueError as exc:
        return f"Maaf, catatan tidak disimpan: {exc}"
    result = json.loads(body)
    points = sum(a["amount"] for a in result["awards"])
    what = f"{pages} halaman" if pages else f"{minutes} menit"
    lines = [
        f"Tercatat: {what} \u201c{title}\u201d. +{points} poin (total {result['totals']['total']})."
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
    active, _ = challenges.list_for(session, member, lib, "active", today, 5, None)
    if not active:
        return "Belum ada tantangan yang berjalan minggu ini."
    lines = ["Tantangan yang berjalan:"]
    for ch in active:
        lines.append(
            f"• {ch.title} {ch.hashtag} — target {ch.target} {ch.goal}, "
            f"sampai {ch.ends_on:%d-%m-%Y}"
        )
    return "\n".join(lines)


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
    try:  # read-only answers: a refusal (an account without a library) is said in chat
        if command in ("poin", "skor", "peringkat", "streak"):
            return _points(session, member, now)
        if command == "tantangan":
            return _challenges(session, member, now)
    except Problem as exc:
        return f"Maaf: {exc.detail}"
    return "Maaf, saya belum mengerti. " + HELP
