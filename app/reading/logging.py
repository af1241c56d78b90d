"""Logging reading: score one log and write what it moves, honouring an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.analytics import backlog
from app.analytics import counters as analytics
from app.challenges import progress as challenge_progress
from app.core.problems import unprocessable
from app.models.badge import Badge
from app.models.book import BookPublic
from app.models.member import MemberLike
from app.models.reading import (
    ChallengeProgressBrief,
    LogResult,
    ReadingLogCreate,
    ReadingLogPublic,
    Totals,
)
from app.reading.context import (
    Locked,
    locked_context,
    reader_for,
)
from app.reading.counting import (
    INSERT_LOG,
    Inserted,
    book_pages_left,
    count_own,
    first_finish_of,
    log_and_count_at_once,
    rollup_facts,
)
from app.scoring import ACCEPTED, LogInput, read_on_allowed, score_log
from app.services import (
    backfill,
    badge_awards,
    badges,
    books,
    idempotency,
    ledger,
    stats,
)


def _book_for(session: Session, data: ReadingLogCreate, now: datetime) -> BookPublic:
    if data.book_id is not None:
        return books.public(session, data.book_id)
    assert data.book is not None  # the schema requires one of the two
    book, _ = books.find_or_create(session, data.book, now)
    return BookPublic.of(book)


def log_reading(
    session: Session,
    caller: MemberLike,
    data: ReadingLogCreate,
    now: datetime,
    *,
    locked: Locked | None = None,
) -> LogResult:
    """Score and store one log for the caller (or their child); `locked`: the reader's
    context when the caller has locked it already."""
    result, rollup = _log_reading(session, caller, data, now, locked)
    if rollup is not None:
        backlog.enqueue(session, result.log.id, rollup)
    return result


def _log_reading(
    session: Session,
    caller: MemberLike,
    data: ReadingLogCreate,
    now: datetime,
    locked: Locked | None,
) -> tuple[LogResult, analytics.LogFacts | None]:
    """`log_reading` but the analytics rollups' facts, which it returns for the caller
    to leave in their backlog (`app.analytics.backlog`) last."""
    if locked is None:
        locked = locked_context(session, reader_for(session, caller, data.member_id), now)
    ctx = locked.ctx
    member = ctx.member
    read_on = data.read_on or ctx.today
    why_not = read_on_allowed(read_on, ctx.today, ctx.rules)
    if why_not:
        raise unprocessable(why_not[0].upper() + why_not[1:], field="read_on")
    book = _book_for(session, data, now)
    pages, minutes = data.pages or 0, data.minutes or 0
    in_challenges = challenge_progress.joined_for_log(
        session,
        member,
        locked.catalogue.open_on(read_on),
        list(data.hashtags),
        ctx.today,
        now,
        locked.challenges_joined,
    )
    log_in = LogInput(
        pages=pages,
        minutes=minutes,
        first_finish=data.finished and first_finish_of(session, member.id or 0, book.id or 0),
        multiplier=ctx.rules.challenge_multiplier if in_challenges else 1,
        book_pages_left=book_pages_left(session, member.id or 0, book, pages),
    )
    day, days = stats.day_facts_from(locked.recent_days, read_on)
    outcome = score_log(log_in, day, ctx.rules)
    counted = outcome.status == ACCEPTED
    values: dict[str, Any] = {
        "member_id": member.id or 0,
        "library_id": ctx.library_id,
        "book_id": book.id,
        "logged_by": caller.id or 0,
        "pages": pages,
        "minutes": minutes,
        "finished": data.finished,
        "read_on": read_on,
        "hashtags": list(data.hashtags),
        "note": data.note,
        "rating": data.rating,
        "status": outcome.status,
        "review_reasons": list(outcome.reasons),
        "multiplier": log_in.multiplier,
        "challenge_ids": [c.id or 0 for c in in_challenges],
        "points": outcome.points if counted else 0,
        "pending_points": 0 if counted else outcome.points,
        "logged_at": now,
        "counted_at": now if counted else None,
    }
    rows: list[ledger.Booked] = []
    fresh: dict[str, int] = {}
    log = Inserted(0, pages, minutes, read_on, values["challenge_ids"], values["hashtags"])
    if counted and session.get_bind().dialect.name == "postgresql":
        log_id, rows, fresh = log_and_count_at_once(session, ctx, values, book, log_in, outcome)
    else:
        # Core INSERT ... RETURNING: no model instance or unit of work on the hot path.
        (log_id,) = INSERT_LOG.one(session, values)
        log.id = log_id
        if counted:
            rows, fresh = count_own(
                session, ctx, log, book, log_in, outcome, now, locked.genres_read
            )
    earned: list[Badge] = []
    progress: list[ChallengeProgressBrief] = []
    if counted:
        # a day counted before the days after it: their streaks grow (rarely taken)
        later = (
            backfill.pay_later_streaks(session, member, read_on, ctx.rules, now, days)
            if backfill.backfills(days, read_on, day.logs == 0)
            else []
        )
        progress, bonus_rows = challenge_progress.settle_progress(
            session, member, read_on, now, in_challenges
        )
        # A completion moved challenges_completed: then the badges read them afresh.
        counters = None if bonus_rows else fresh
        earned, badge_rows = badge_awards.award_earned(
            session,
            member,
            read_on,
            now,
            log_id=log_id,
            counters=counters,
            candidates=[b for b in locked.catalogue.badges if b.id not in locked.badges_held],
            days=None if days is None else days | {read_on},
            timezone=ctx.timezone,
        )
        rows += later + bonus_rows + badge_rows
        extra = sum(r.amount for r in later + bonus_rows + badge_rows)
        if counters is None or extra:
            totals = ledger.totals(session, member.id or 0)
        else:
            totals = Totals(total=fresh["points_total"], pending=fresh["points_pending"])
    else:
        ledger.add_points(session, member.id or 0, pending=outcome.points)
        progress, _ = challenge_progress.settle_progress(
            session, member, read_on, now, in_challenges
        )
        totals = ledger.totals(session, member.id or 0)
    result = LogResult(
        log=ReadingLogPublic(
            id=log_id,
            book=book,
            **{k: values[k] for k in _PUBLIC_FROM_VALUES},
            pages=pages or None,
            minutes=minutes or None,
        ),
        awards=[ledger.award_row(r) for r in rows],
        badges_earned=[badges.brief(b) for b in earned],
        totals=totals,
        challenges=progress,
    )
    return result, rollup_facts(ctx, log, book, log_in, outcome) if counted else None


_PUBLIC_FROM_VALUES = (
    "member_id",
    "finished",
    "read_on",
    "hashtags",
    "note",
    "rating",
    "status",
    "review_reasons",
    "points",
    "pending_points",
    "logged_at",
)


def create_log(
    session: Session,
    caller: MemberLike,
    data: ReadingLogCreate,
    now: datetime,
    key: str | None,
    keep_hours: int,
) -> tuple[int, str]:
    """POST /v1/reading-logs: one log, honouring an Idempotency-Key; the answer's status
    and JSON text (a retry gets the very text the first request got).

    The key's row is read with the reader's lock, in one statement (see `_LOCKING_READ`).
    """
    member = reader_for(session, caller, data.member_id)
    if key is None:
        locked = locked_context(session, member, now)
        result, rollup = _log_reading(session, caller, data, now, locked)
    else:
        # The batch fingerprints an item the same way, so one key dedupes across both.
        fp = idempotency.fingerprint(data.model_dump(mode="json"))
        locked = locked_context(session, member, now, key=(caller.id or 0, key))
        stored = idempotency.settle(session, locked.key_row, fp, now)
        if stored is not None:
            return stored.status, stored.body
        result, rollup = _log_reading(session, caller, data, now, locked)
    body = result.model_dump_json()
    if key is not None:
        idempotency.store(session, caller.id or 0, key, fp, 201, body, now, keep_hours)
    if rollup is not None:
        backlog.enqueue(session, result.log.id, rollup)
    return 201, body
