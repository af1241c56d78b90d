"""Logging reading: score a log, write its ledger rows, badges and totals in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    String,
    Text,
    and_,
    bindparam,
    cast,
    literal,
    select,
    true,
)
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from app import leaderboards
from app.analytics import counters as analytics
from app.challenges import progress as challenge_progress
from app.core import dbcompat
from app.core.clock import local_date
from app.core.db import lock_member
from app.core.hotsql import HotSql
from app.core.pagination import decode_cursor, paginate
from app.core.problems import Problem, forbidden, not_found, unprocessable
from app.models.badge import Badge, BadgeAward
from app.models.book import Book, BookPublic
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library
from app.models.member import Member, MemberLike
from app.models.reading import (
    BatchItem,
    BatchItemResult,
    BatchResult,
    ChallengeProgressBrief,
    IdempotencyKey,
    LogResult,
    MemberDay,
    MemberGenre,
    ReadingLog,
    ReadingLogCreate,
    ReadingLogPublic,
    Totals,
)
from app.models.types import UtcDateTime
from app.scoring import ACCEPTED, LogInput, Outcome, Rules, read_on_allowed, score_log
from app.services import (
    backfill,
    badges,
    books,
    catalogue,
    idempotency,
    ledger,
    stats,
)
from app.services.members import child_of
from app.services.rescore import resettle


@dataclass(frozen=True, slots=True)
class Context:
    """Who reads, in which library, under which rules, on which local day."""

    member: MemberLike
    library_id: int
    timezone: str
    rules: Rules
    today: date


class CountedLog(Protocol):
    """What counting needs of a log (a stored `ReadingLog`, or one just inserted)."""

    id: int | None
    pages: int
    minutes: int
    read_on: date
    challenge_ids: list[int]
    hashtags: list[str]


@dataclass(slots=True)
class _Inserted:
    id: int
    pages: int
    minutes: int
    read_on: date
    challenge_ids: list[int]
    hashtags: list[str]


# The reader's library, its catalogue version, the badges the reader holds, the genres
# and challenges and the recent counted days, taking the reader's row lock on PostgreSQL
# in the same statement (SQLite runs one writer at a time and has no FOR UPDATE); with
# an Idempotency-Key, the key's row and (PostgreSQL) its advisory try-lock too. A key's
# first request holds that lock until it commits, so a retry meanwhile sees `got` false
# and answers 409; should a first request commit between this statement's snapshot and
# its try-lock, the retry redoes the work and the unique (member, key) pair refuses its
# second row, rolling all of it back.
_UNIT = "\x1f"  # separates values that may hold commas (genres)


def _listed(column: Any, table: Any, *where: Any, separator: str = ",") -> Any:
    """The member's values of `column`, joined into one text."""
    return (
        select(dbcompat.aggregate_list(column, literal(separator)))
        .select_from(table)
        .where(*where)
        .scalar_subquery()
    )


def _locking_read(with_key: bool) -> HotSql:
    member, library = Member.__table__, Library.__table__
    award, genre, day = BadgeAward.__table__, MemberGenre.__table__, MemberDay.__table__
    cp, challenge = ChallengeParticipant.__table__, Challenge.__table__
    ik = IdempotencyKey.__table__.alias("ik")
    member_id: Any = bindparam("member_id")
    recent = (
        select(day)
        .where(day.c.member_id == member_id, day.c.logs > 0)
        .order_by(day.c.day.desc())
        .limit(stats.RECENT_DAYS_LIMIT)
        .subquery()
    )
    figures: list[Any] = [cast(recent.c[c], String) for c in stats.DAY_COLUMNS]
    row_text = figures[0]
    for figure in figures[1:]:
        row_text = row_text + literal(",") + figure
    got = dbcompat.try_advisory_xact_lock(bindparam("lock_id")) if with_key else true()
    statement = (
        select(
            library.c.id,
            library.c.timezone,
            library.c.scoring,
            library.c.catalogue_version,
            _listed(award.c.badge_id, award, award.c.member_id == member_id),
            _listed(genre.c.genre, genre, genre.c.member_id == member_id, separator=_UNIT),
            _listed(
                cp.c.challenge_id,
                cp.join(challenge, challenge.c.id == cp.c.challenge_id),
                cp.c.member_id == member_id,
                challenge.c.ends_on >= bindparam("earliest", type_=Date),
            ),
            _listed(row_text, recent, separator=";"),
            got,
            ik.c.id,
            ik.c.fingerprint,
            ik.c.state,
            ik.c.response_status,
            # the JSON text stored: a replay answers it as it is
            cast(ik.c.response_body, Text),
            ik.c.expires_at,
        )
        .select_from(
            member.join(library, library.c.id == member.c.library_id).outerjoin(
                ik, and_(ik.c.member_id == bindparam("caller_id"), ik.c.key == bindparam("key"))
            )
        )
        .where(member.c.id == member_id)
        .with_for_update(of=member)
    )
    return HotSql(statement)


_LOCKING_READS = {with_key: _locking_read(with_key) for with_key in (False, True)}


@dataclass(frozen=True, slots=True)
class KeyRow:
    """An Idempotency-Key's stored row, as `idempotency.settle` reads it."""

    id: int
    fingerprint: str
    state: str
    response_status: int | None
    response_body: str | None  # the JSON text
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Locked:
    """What the reading path learns with the reader's lock."""

    ctx: Context
    catalogue: catalogue.Catalogue
    badges_held: frozenset[int]
    # the member's challenges whose window ended at most a month ago (or has not)
    challenges_joined: frozenset[int]
    genres_read: frozenset[str]
    # the member's counted days, newest first (at most stats.RECENT_DAYS_LIMIT)
    recent_days: list[stats.DayRow]
    key_row: KeyRow | None = None


def context_for(session: Session, member: Member, now: datetime) -> Context:
    """The reader's library, rules and local day."""
    lib = session.get(Library, member.library_id) if member.library_id is not None else None
    if lib is None:
        raise _no_library()
    return Context(
        member, lib.id or 0, lib.timezone, badges.rules_of(lib), local_date(now, lib.timezone)
    )


def locked_context(
    session: Session,
    member: MemberLike,
    now: datetime,
    key: tuple[int, str] | None = None,
) -> Locked:
    """`context_for`, serialising the member's scoring (concurrent logs must see each
    other's day state), with the library's catalogue, the badges the member holds and,
    for `key` (the caller's id and Idempotency-Key), the key's row (409 while in flight)."""
    caller_id, idem_key = key if key else (0, None)
    row = _LOCKING_READS[key is not None].first(
        session,
        {
            "member_id": member.id,
            "caller_id": caller_id,
            "key": idem_key,
            "lock_id": idempotency.lock_id(caller_id, idem_key) if idem_key else 0,
            # Before any read_on a library allows (at most 30 days back, any time zone).
            "earliest": now.date() - timedelta(days=32),
        },
    )
    if row is None:
        raise _no_library()
    (
        library_id,
        timezone,
        scoring,
        version,
        held_ids,
        genres,
        joined_ids,
        days,
        got,
        *key_columns,
    ) = row
    if not got:
        raise idempotency.in_flight()
    ctx = Context(
        member, library_id, timezone, badges.rules_from(scoring), local_date(now, timezone)
    )
    key_row = KeyRow(*key_columns) if key_columns[0] is not None else None
    return Locked(
        ctx,
        catalogue.of(session, library_id, version),
        _ids(held_ids),
        _ids(joined_ids),
        frozenset(genres.split(_UNIT)) if genres else frozenset(),
        stats.day_rows(days.split(";") if days else []),
        key_row,
    )


def _ids(listed: str | None) -> frozenset[int]:
    return frozenset(int(i) for i in listed.split(",")) if listed else frozenset()


def _no_library() -> Problem:
    return Problem(409, "no-library", "This account does not belong to a library.")


def reader_for(session: Session, caller: MemberLike, member_id: int | None) -> MemberLike:
    """Whose reading this is: the caller, or a guardian's own child; nobody else."""
    if member_id is None or member_id == caller.id:
        return caller
    if caller.is_child:
        raise forbidden("A child profile logs only its own reading.")
    return child_of(session, caller, member_id)


def log_public(log: ReadingLog, book: Book) -> ReadingLogPublic:
    return ReadingLogPublic(
        id=log.id or 0,
        member_id=log.member_id,
        book=BookPublic.of(book),
        pages=log.pages or None,
        minutes=log.minutes or None,
        finished=log.finished,
        read_on=log.read_on,
        hashtags=list(log.hashtags),
        note=log.note,
        rating=log.rating,
        status=log.status,
        review_reasons=list(log.review_reasons),
        points=log.points,
        pending_points=log.pending_points,
        logged_at=log.logged_at,
        deleted=log.deleted_at is not None,
        review_note=log.review_note,
    )


_FINISHED_BEFORE = HotSql(
    "SELECT 1 FROM member_book WHERE member_id = :member_id AND book_id = :book_id"
)


def first_finish_of(session: Session, member_id: int, book_id: int) -> bool:
    return _FINISHED_BEFORE.first(session, {"member_id": member_id, "book_id": book_id}) is None


# The pages of the member's logs of a book (counted or waiting) since their last
# finished one: a reading of the book cannot hold more pages than the book has.
_PAGES_SINCE_FINISH = HotSql(
    """
    SELECT COALESCE(SUM(pages), 0) FROM reading_log
    WHERE member_id = :member_id AND book_id = :book_id AND deleted_at IS NULL
        AND status <> 'rejected'
        AND id > COALESCE((SELECT MAX(id) FROM reading_log
            WHERE member_id = :member_id AND book_id = :book_id AND finished
                AND deleted_at IS NULL AND status <> 'rejected'), 0)
    """
)


def book_pages_left(
    session: Session, member_id: int, book: Book | BookPublic, pages: int
) -> int | None:
    """The book's pages the member has not logged since last finishing it (None: the
    book's page count is unknown). Asked only when the log could fit at all."""
    if not book.pages or pages == 0:
        return None
    if pages > book.pages:
        return book.pages  # beyond the book whatever came before
    (earlier,) = _PAGES_SINCE_FINISH.one(session, {"member_id": member_id, "book_id": book.id})
    return book.pages - int(earlier)


# What counting a log writes besides the log and its ledger rows, one statement each;
# SQLite runs them in turn (`count`), PostgreSQL inside one statement with the log
# (`_LOG_AND_COUNT`). Both engines have ON CONFLICT and RETURNING.
_DAY_SQL = """
    INSERT INTO member_day
        (member_id, day, pages, minutes, loose_minutes, points, logs, books_finished)
    VALUES (:member_id, :read_on, :pages, :minutes, :loose, :points, 1, :books)
    ON CONFLICT (member_id, day) DO UPDATE SET
        pages = member_day.pages + excluded.pages,
        minutes = member_day.minutes + excluded.minutes,
        loose_minutes = member_day.loose_minutes + excluded.loose_minutes,
        points = member_day.points + excluded.points,
        logs = member_day.logs + 1,
        books_finished = member_day.books_finished + excluded.books_finished
"""
_FINISHED_BOOK_SQL = (
    "INSERT INTO member_book (member_id, book_id, finished_on)"
    " SELECT :member_id, :book_id, :read_on WHERE :books = 1 ON CONFLICT DO NOTHING"
)
_NEW_GENRE_SQL = (
    "INSERT INTO member_genre (member_id, genre, first_on)"
    " SELECT :member_id, CAST(:genre AS varchar(40)), :read_on WHERE :genre IS NOT NULL"
    " ON CONFLICT DO NOTHING RETURNING 1"
)
_COUNTERS_SQL = """
    UPDATE member SET
        points_total = points_total + :points,
        pages_total = pages_total + :pages,
        minutes_total = minutes_total + :minutes,
        logs_total = logs_total + 1,
        books_finished = books_finished + :books,
        genres_total = genres_total + {new_genres}
    WHERE id = :member_id
    RETURNING points_total, points_pending, pages_total, minutes_total, logs_total,
        books_finished, genres_total, challenges_completed, shares_total
"""
_ON_DAY = {"read_on": Date()}
_DAY_UPSERT = HotSql(_DAY_SQL, binds=_ON_DAY)
_FINISHED_BOOK = HotSql(_FINISHED_BOOK_SQL, binds=_ON_DAY)
_NEW_GENRE = HotSql(_NEW_GENRE_SQL, binds=_ON_DAY)
_COUNTERS = HotSql(_COUNTERS_SQL.format(new_genres=":genres"))


_LOG_COLUMNS = (
    "member_id, library_id, book_id, logged_by, pages, minutes, finished, read_on, hashtags,"
    " note, rating, status, review_reasons, multiplier, challenge_ids, points,"
    " pending_points, logged_at, counted_at"
)
_LOG_VALUES = ", ".join(":" + c.strip() for c in _LOG_COLUMNS.split(","))
# How a log's values are stored (what the ORM's column types do with them).
_LOG_TYPES: dict[str, TypeEngine[Any]] = {
    "finished": Boolean(),
    "read_on": Date(),
    "hashtags": JSON(),
    "review_reasons": JSON(),
    "challenge_ids": JSON(),
    "logged_at": UtcDateTime(),
    "counted_at": UtcDateTime(),
}


# PostgreSQL runs the whole write of a counted log as one statement: the log, its ledger
# rows, the board counters, the day, the finished book, the genre and the member's
# counters (each the same write `count` makes one by one on SQLite, which has no
# data-modifying WITH). The sub-statements share one snapshot; the member row is locked.
_LOG_AND_COUNT = HotSql(
    f"""
    WITH log AS (
        INSERT INTO reading_log ({_LOG_COLUMNS}) VALUES ({_LOG_VALUES})
        RETURNING id
    ), booked AS (
        INSERT INTO ledger_entry (member_id, library_id, amount, rule_code, log_id,
            created_at, day)
        SELECT :member_id, :library_id, r.amount, r.rule_code, log.id, :logged_at, :read_on
        FROM log, unnest(CAST(:amounts AS integer[]), CAST(:codes AS varchar[]))
            WITH ORDINALITY AS r(amount, rule_code, n)
        ORDER BY r.n
        RETURNING id
    ), boards AS (
        INSERT INTO board_score (board, member_id, points)
        SELECT b.board, :member_id, b.points
        FROM unnest(CAST(:boards AS varchar[]), CAST(:board_points AS integer[]))
            AS b(board, points)
        ORDER BY b.board
        ON CONFLICT (board, member_id) DO UPDATE
        SET points = board_score.points + excluded.points
    ), day AS ({_DAY_SQL}
    ), finished AS ({_FINISHED_BOOK_SQL}
    ), genre AS ({_NEW_GENRE_SQL}
    ), counters AS ({_COUNTERS_SQL.format(new_genres="(SELECT count(*) FROM genre)")}
    )
    SELECT (SELECT id FROM log) AS log_id,
        (SELECT array_agg(id ORDER BY id) FROM booked) AS ledger_ids,
        counters.*
    FROM counters
    """,  # noqa: S608 (constant fragments)
    binds=_LOG_TYPES,
)


def _log_and_count_at_once(
    session: Session,
    ctx: Context,
    values: dict[str, Any],
    book: BookPublic,
    log_in: LogInput,
    outcome: Outcome,
) -> tuple[int, list[ledger.Booked], dict[str, int]]:
    """PostgreSQL: store a counted log and everything it moves in one round trip.

    Returns the log's id, its ledger rows and the member's counters after them.
    """
    member = ctx.member
    read_on: date = values["read_on"]
    awards = [a for a in outcome.awards if a.amount != 0]
    rows = [ledger.Row(a.rule_code, a.amount) for a in awards]
    deltas = leaderboards.board_deltas(
        session, member, rows, day=read_on, challenge_ids=values["challenge_ids"]
    )
    boards = sorted((b, n) for b, n in deltas.items() if n != 0)
    pages, minutes = values["pages"], values["minutes"]
    found = _LOG_AND_COUNT.one(
        session,
        {
            **values,
            "amounts": [a.amount for a in awards],
            "codes": [a.rule_code for a in awards],
            "boards": [b for b, _ in boards],
            "board_points": [n for _, n in boards],
            **_counting_params(member.id or 0, read_on, pages, minutes, book, log_in, outcome),
        },
    )
    log_id, ledger_ids, *counters = found
    now: datetime = values["logged_at"]
    # Ids come from the sequence in the rows' order.
    booked = ledger.booked(
        member,
        [ledger.Row(a.rule_code, a.amount, log_id=log_id) for a in awards],
        ledger_ids or [],
        day=read_on,
        now=now,
    )
    leaderboards.publish_after_commit(session, member, deltas, now, ctx.timezone)
    return log_id, booked, dict(zip(stats.COUNTER_COLUMNS, counters, strict=True))


def _counting_params(
    member_id: int,
    read_on: date,
    pages: int,
    minutes: int,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
) -> dict[str, Any]:
    """The parameters of the counting statements (`_DAY_SQL` ... `_COUNTERS_SQL`); the
    log's ledger rows add up to `outcome.points`, which the day and the total both gain."""
    return {
        "member_id": member_id,
        "read_on": read_on,
        "pages": pages,
        "minutes": minutes,
        "loose": minutes if pages == 0 else 0,
        "points": outcome.points,
        "books": int(log_in.first_finish),
        "book_id": book.id,
        "genre": book.genre or None,
    }


def count(
    session: Session,
    ctx: Context,
    log: CountedLog,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
    now: datetime,
    genres_read: frozenset[str] | None = None,
) -> tuple[list[ledger.Booked], dict[str, int]]:
    """Make an accepted (or approved) log count: ledger, day, books, genres, counters
    and the analytics rollups (`count_log`, last).

    Returns the ledger rows and the member's counters after them. `genres_read`: the
    member's genres, when the caller read them under the member's lock.
    """
    rows, counters = _count_own(session, ctx, log, book, log_in, outcome, now, genres_read)
    analytics.count_log(session, rollup_facts(ctx, log, book, log_in, outcome))
    return rows, counters


def rollup_facts(
    ctx: Context, log: CountedLog, book: Book | BookPublic, log_in: LogInput, outcome: Outcome
) -> analytics.LogFacts:
    """What a counted log adds to the analytics rollups."""
    return analytics.log_facts(
        ctx.member,
        ctx.library_id,
        log.read_on,
        log.pages,
        log.minutes,
        log_in.first_finish,
        [(a.rule_code, a.amount) for a in outcome.awards],
        log.challenge_ids,
        book,
        log.hashtags,
    )


def _count_own(
    session: Session,
    ctx: Context,
    log: CountedLog,
    book: Book | BookPublic,
    log_in: LogInput,
    outcome: Outcome,
    now: datetime,
    genres_read: frozenset[str] | None,
) -> tuple[list[ledger.Booked], dict[str, int]]:
    """`count` but the rollups."""
    member = ctx.member
    rows = ledger.append(
        session,
        member,
        [ledger.Row(a.rule_code, a.amount, log_id=log.id) for a in outcome.awards],
        day=log.read_on,
        now=now,
        challenge_ids=list(log.challenge_ids),
        move_total=False,
        timezone=ctx.timezone,
        roll_up=False,
    )
    params = _counting_params(
        member.id or 0, log.read_on, log.pages, log.minutes, book, log_in, outcome
    )
    _DAY_UPSERT.run(session, params)
    if log_in.first_finish:
        _FINISHED_BOOK.run(session, params)
    new_genre = (
        bool(book.genre)
        and (genres_read is None or book.genre not in genres_read)
        and bool(_NEW_GENRE.run(session, params))
    )
    counters = _COUNTERS.one(session, {**params, "genres": int(new_genre)})
    return rows, dict(zip(stats.COUNTER_COLUMNS, counters, strict=True))


def _book_for(session: Session, data: ReadingLogCreate, now: datetime) -> BookPublic:
    if data.book_id is not None:
        return books.public(session, data.book_id)
    assert data.book is not None  # the schema requires one of the two
    book, _ = books.find_or_create(session, data.book, now)
    return BookPublic.of(book)


_INSERT_LOG = HotSql(
    f"INSERT INTO reading_log ({_LOG_COLUMNS}) VALUES ({_LOG_VALUES}) RETURNING id",  # noqa: S608
    binds=_LOG_TYPES,
)


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
        analytics.count_log(session, rollup)
    return result


def _log_reading(
    session: Session,
    caller: MemberLike,
    data: ReadingLogCreate,
    now: datetime,
    locked: Locked | None,
) -> tuple[LogResult, analytics.LogFacts | None]:
    """`log_reading` but the analytics rollups, which it returns for the caller to write
    last (see `analytics.count_log`)."""
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
    log = _Inserted(0, pages, minutes, read_on, values["challenge_ids"], values["hashtags"])
    if counted and session.get_bind().dialect.name == "postgresql":
        log_id, rows, fresh = _log_and_count_at_once(session, ctx, values, book, log_in, outcome)
    else:
        # Core INSERT ... RETURNING: no model instance or unit of work on the hot path.
        (log_id,) = _INSERT_LOG.one(session, values)
        log.id = log_id
        if counted:
            rows, fresh = _count_own(
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
        earned, badge_rows = badges.award_earned(
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
    if rollup is not None:  # the last write: its rows are every log's (see count_log)
        analytics.count_log(session, rollup)
    return 201, body


def _problem_of(exc: Problem) -> dict[str, object]:
    out: dict[str, object] = {
        "type": f"urn:bacaquest:problem:{exc.slug}",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
    if exc.errors:
        out["errors"] = exc.errors
    return out


def batch(
    session: Session,
    caller: Member,
    items: list[dict[str, object]],
    now: datetime,
    keep_hours: int,
) -> BatchResult:
    """The offline queue: each item on its own, under its client id as idempotency key."""
    results: list[BatchItemResult] = []
    seen: set[str] = set()
    for index, raw in enumerate(items):
        client_id = raw.get("client_id") if isinstance(raw, dict) else None
        cid = client_id if isinstance(client_id, str) else None
        try:
            item = BatchItem.model_validate(raw)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            problem = Problem(422, "validation", "This item is not valid.", errors=errors)
            results.append(
                BatchItemResult(
                    client_id=cid, index=index, outcome="error", problem=_problem_of(problem)
                )
            )
            continue
        data = ReadingLogCreate.model_validate(item.model_dump(exclude={"client_id"}))
        if item.client_id in seen:
            problem = Problem(422, "duplicate-client-id", "This client_id appears twice.")
            results.append(
                BatchItemResult(
                    client_id=item.client_id,
                    index=index,
                    outcome="error",
                    problem=_problem_of(problem),
                )
            )
            continue
        seen.add(item.client_id)
        fp = idempotency.fingerprint(data.model_dump(mode="json"))
        try:
            with session.begin_nested():
                stored = idempotency.lookup(session, caller.id or 0, item.client_id, fp, now)
                if stored is not None:
                    results.append(
                        BatchItemResult(
                            client_id=item.client_id,
                            index=index,
                            outcome="duplicate",
                            result=LogResult.model_validate(stored.body),
                        )
                    )
                    continue
                result = log_reading(session, caller, data, now)
                idempotency.store(
                    session,
                    caller.id or 0,
                    item.client_id,
                    fp,
                    201,
                    result.model_dump(mode="json"),
                    now,
                    keep_hours,
                )
        except Problem as exc:
            results.append(
                BatchItemResult(
                    client_id=item.client_id, index=index, outcome="error", problem=_problem_of(exc)
                )
            )
            continue
        results.append(
            BatchItemResult(
                client_id=item.client_id,
                index=index,
                outcome="accepted" if result.log.status == ACCEPTED else "pending_review",
                result=result,
            )
        )
    return BatchResult(items=results, totals=ledger.totals(session, caller.id or 0))


def list_logs(
    session: Session,
    member: MemberLike,
    limit: int,
    cursor: str | None,
    status: str | None = None,
) -> tuple[list[ReadingLogPublic], str | None]:
    after = decode_cursor(cursor, {"id": int})
    stmt = (
        select(ReadingLog, Book)
        .join(Book, Book.id == ReadingLog.book_id)
        .where(ReadingLog.member_id == member.id, ReadingLog.deleted_at.is_(None))
        .order_by(ReadingLog.id.desc())
        .limit(limit + 1)
    )
    if status:
        stmt = stmt.where(ReadingLog.status == status)
    if after:
        stmt = stmt.where(ReadingLog.id < after["id"])
    rows = list(session.execute(stmt).all())
    page, nxt = paginate(rows, limit, lambda r: {"id": r[0].id or 0})
    return [log_public(log, book) for log, book in page], nxt


def own_log(session: Session, caller: Member, log_id: int) -> ReadingLog:
    """A log of the caller or of the caller's child; 404 for everyone else's."""
    log = session.get(ReadingLog, log_id)
    if log is None or log.deleted_at is not None:
        raise not_found("Reading log")
    if log.member_id == caller.id:
        return log
    owner = session.get(Member, log.member_id)
    if caller.is_child or owner is None or owner.guardian_id != caller.id:
        raise not_found("Reading log")
    return log


def delete_log(session: Session, caller: Member, log_id: int, now: datetime) -> None:
    """Withdraw a log: its points are reversed by compensating rows, never erased."""
    log = own_log(session, caller, log_id)
    owner = session.get(Member, log.member_id)
    assert owner is not None
    ctx = context_for(session, owner, now)
    lock_member(session, owner.id or 0)
    # Read again under the lock: a delete or an approval that committed meanwhile
    # decides what is left to reverse (a log deletes once).
    session.refresh(log)
    if log.deleted_at is not None:
        raise not_found("Reading log")
    was_counted = log.status == ACCEPTED
    log.deleted_at = now
    if log.status == "pending_review":
        ledger.add_points(session, owner.id or 0, pending=-log.pending_points)
        log.pending_points = 0
    session.add(log)
    session.flush()
    if was_counted:
        analytics.uncount_log(
            session,
            owner,
            ctx.library_id,
            log.read_on,
            log.pages,
            log.minutes,
            list(log.challenge_ids),
        )
        resettle(session, owner, ctx.rules, now)
        challenge_progress.settle_progress(session, owner, log.read_on, now)
        badges.revoke_unmet(session, owner, ctx.today, now)
