"""Re-settling a member's ledger from their logs under the library's current rules.

Used after a deletion (a deleted log changes what later logs earn: a day's streak bonus,
its leftover minute, a book's first finish) and by a library's re-settlement
(`app.services.rescore`). The ledger stays append-only: differences are booked as
compensating rows, so running it twice books nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.core.db import lock_member
from app.models.book import Book
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberBook, MemberDay, MemberGenre, ReadingLog
from app.scoring import (
    ACCEPTED,
    BONUS_FINISHED,
    BONUS_STREAK,
    READING_CODES,
    Award,
    CountedLog,
    Rules,
    loose_minutes_of,
    reconcile,
    replay,
)
from app.services import ledger

# The rule codes a log's own scoring produces (challenge and badge bonuses are not).
LOG_CODES = READING_CODES | {BONUS_FINISHED, BONUS_STREAK}


def counted_logs(session: Session, member_id: int) -> list[tuple[ReadingLog, Book]]:
    return list(
        session.execute(
            select(ReadingLog, Book)
            .join(Book, Book.id == ReadingLog.book_id)
            .where(
                ReadingLog.member_id == member_id,
                ReadingLog.status == ACCEPTED,
                ReadingLog.deleted_at.is_(None),
            )
            .order_by(ReadingLog.counted_at, ReadingLog.id)
        ).all()
    )


def resettle(session: Session, member: Member, rules: Rules, now: datetime) -> int:
    """Bring the member's log rows and reading figures to what replay says; rows booked."""
    member_id = member.id or 0
    lock_member(session, member_id)
    logs = counted_logs(session, member_id)
    expected = replay(
        [
            CountedLog(
                log_id=log.id or 0,
                read_on=log.read_on,
                pages=log.pages,
                minutes=log.minutes,
                finished=log.finished,
                book_id=log.book_id,
                multiplier=log.multiplier,
            )
            for log, _ in logs
        ],
        rules,
    )
    booked: dict[int, list[Award]] = defaultdict(list)
    for log_id, code, amount in session.execute(
        select(LedgerEntry.log_id, LedgerEntry.rule_code, LedgerEntry.amount).where(
            LedgerEntry.member_id == member_id,
            LedgerEntry.log_id.is_not(None),
            LedgerEntry.rule_code.in_(LOG_CODES),
        )
    ):
        booked[int(log_id)].append(Award(code, int(amount)))
    fixes = reconcile(booked, expected)
    read_on = {log.id: log.read_on for log, _ in logs}
    if fixes:
        missing = [i for i in fixes if i not in read_on]
        for log_id, day in session.execute(
            select(ReadingLog.id, ReadingLog.read_on).where(ReadingLog.id.in_(missing))
        ):
            read_on[log_id] = day
    written = 0
    for log_id, awards in fixes.items():
        written += len(
            ledger.append(
                session,
                member,
                [ledger.Row(a.rule_code, a.amount, log_id=log_id) for a in awards],
                day=read_on[log_id],
                now=now,
            )
        )
    for log_id in fixes:
        session.execute(
            update(ReadingLog)
            .where(ReadingLog.id == log_id)
            .values(points=sum(a.amount for a in expected.get(log_id, ())))
        )
    _rebuild_figures(session, member_id, logs, expected)
    return written


def _rebuild_figures(
    session: Session,
    member_id: int,
    logs: list[tuple[ReadingLog, Book]],
    expected: dict[int, tuple[Award, ...]],
) -> None:
    days: dict[date, dict[str, int]] = {}
    finished: dict[int, date] = {}
    genres: dict[str, date] = {}
    for log, book in logs:
        d = days.setdefault(
            log.read_on,
            {
                "pages": 0,
                "minutes": 0,
                "loose_minutes": 0,
                "boosted_minutes": 0,
                "boosted_multiplier": 0,
                "points": 0,
                "logs": 0,
                "books_finished": 0,
            },
        )
        d["pages"] += log.pages
        d["minutes"] += log.minutes
        loose, boosted, multiplier = loose_minutes_of(log.pages, log.minutes, log.multiplier)
        d["loose_minutes"] += loose
        d["boosted_minutes"] += boosted
        d["boosted_multiplier"] = max(d["boosted_multiplier"], multiplier)
        d["points"] += sum(a.amount for a in expected.get(log.id or 0, ()))
        d["logs"] += 1
        if log.finished and log.book_id not in finished:
            finished[log.book_id] = log.read_on
            d["books_finished"] += 1
        if book.genre and book.genre not in genres:
            genres[book.genre] = log.read_on
    session.execute(delete(MemberDay).where(MemberDay.member_id == member_id))
    session.execute(delete(MemberBook).where(MemberBook.member_id == member_id))
    session.execute(delete(MemberGenre).where(MemberGenre.member_id == member_id))
    session.add_all(MemberDay(member_id=member_id, day=k, **v) for k, v in days.items())
    session.add_all(
        MemberBook(member_id=member_id, book_id=b, finished_on=d) for b, d in finished.items()
    )
    session.add_all(
        MemberGenre(member_id=member_id, genre=g, first_on=d) for g, d in genres.items()
    )
    session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(
            pages_total=sum(v["pages"] for v in days.values()),
            minutes_total=sum(v["minutes"] for v in days.values()),
            logs_total=sum(v["logs"] for v in days.values()),
            books_finished=len(finished),
            genres_total=len(genres),
        )
    )
    session.flush()


def rescore_library(session: Session, library_id: int, rules: Rules, now: datetime) -> int:
    """Re-settle every member of a library; returns the number of rows booked."""
    ids = list(
        session.execute(
            select(Member.id).where(Member.library_id == library_id).order_by(Member.id)
        ).scalars()
    )
    written = 0
    for member_id in ids:
        member = session.get(Member, member_id)
        assert member is not None
        written += resettle(session, member, rules, now)
    return written
