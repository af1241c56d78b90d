"""Checking the analytics rollups against the logs and the ledger, and rebuilding them.

`python -m app analytics verify [--library SLUG]` recounts, per library, scope and day,
the counted logs' sums (logs, pages, minutes, first finishes) and the library's points
per day from the ledger, and its registrations per day from the members, and lists
every cell that differs (exit 1). `python -m app analytics rebuild` replaces the rollups
of a library by that recount, the readers per period and the topics too: logs are
replayed in the order they counted, so each member's first log of a day, week, month,
quarter, book, author, genre and hashtag lands where it did. A reader once counted stays
counted after their log is withdrawn (the live counters never take a reader back); a
rebuild forgets them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlmodel import Session

from app.analytics import backlog, counters
from app.analytics.counters import (
    ACTIVITY_COUNTS,
    PERIODS,
    READERS,
    TOPIC_COUNTS,
    period_starts,
    school_key,
    split_points,
    topics_of,
)
from app.analytics.versions import VERSION_SCOPE
from app.core.clock import local_date
from app.models.analytics import (
    LIBRARY_SCOPE,
    ActivityDay,
    MemberPeriod,
    MemberTally,
    MemberTopic,
    TopicDay,
)
from app.models.book import Book
from app.models.library import Library
from app.models.member import Member, age_group
from app.models.reading import LedgerEntry, ReadingLog
from app.scoring import ACCEPTED

Key = tuple[int, date, str, str]  # scope, day, age group, school
CHECKED = ("logs", "pages", "minutes", "finishes")


@dataclass
class Recount:
    """A library's rollups as the logs, the ledger and the members say."""

    activity: dict[Key, dict[str, int]] = field(default_factory=dict)
    topics: dict[tuple[date, str, str, str], dict[str, int]] = field(default_factory=dict)
    periods: set[tuple[int, int, str, date]] = field(default_factory=set)
    member_topics: dict[tuple[int, str, str], date] = field(default_factory=dict)
    tally: dict[tuple[date, int, str], int] = field(default_factory=lambda: defaultdict(int))

    def cell(self, key: Key) -> dict[str, int]:
        return self.activity.setdefault(key, dict.fromkeys(ACTIVITY_COUNTS, 0))


def recount(session: Session, lib: Library) -> Recount:
    out = Recount()
    lib_id = lib.id or 0
    finished: set[tuple[int, int]] = set()
    rows = session.execute(
        select(
            ReadingLog.member_id,
            ReadingLog.read_on,
            ReadingLog.pages,
            ReadingLog.minutes,
            ReadingLog.finished,
            ReadingLog.book_id,
            ReadingLog.hashtags,
            ReadingLog.challenge_ids,
            Member.birth_year,
            Member.school,
            Book.author,
            Book.genre,
        )
        .join(Member, Member.id == ReadingLog.member_id)
        .join(Book, Book.id == ReadingLog.book_id)
        .where(
            ReadingLog.library_id == lib_id,
            ReadingLog.status == ACCEPTED,
            ReadingLog.deleted_at.is_(None),
        )
        .order_by(ReadingLog.counted_at, ReadingLog.id)
        .execution_options(yield_per=20_000)
    )
    for (
        member_id,
        day,
        pages,
        minutes,
        done,
        book_id,
        tags,
        chs,
        born,
        school,
        author,
        genre,
    ) in rows:
        group, school = age_group(born, day.year), school_key(school)
        first = int(done and (member_id, book_id) not in finished)
        if done:
            finished.add((member_id, book_id))
        scopes = (LIBRARY_SCOPE, *dict.fromkeys(int(c) for c in chs or () if c))
        for scope in scopes:
            cell = out.cell((scope, day, group, school))
            cell["logs"] += 1
            cell["pages"] += pages
            cell["minutes"] += minutes
            cell["finishes"] += first
            for col, period, start in zip(READERS, PERIODS, period_starts(day), strict=True):
                seen = (member_id, scope, period, start)
                if seen not in out.periods:
                    out.periods.add(seen)
                    cell[col] += 1
        book = _Book(book_id, author or "", genre)
        for kind, topic in topics_of(book, list(tags or ())):
            t = out.topics.setdefault((day, group, kind, topic), dict.fromkeys(TOPIC_COUNTS, 0))
            t["logs"] += 1
            t["pages"] += pages
            t["minutes"] += minutes
            t["finishes"] += first
            if (member_id, kind, topic) not in out.member_topics:
                out.member_topics[(member_id, kind, topic)] = day
                t["readers"] += 1
    _points(session, lib_id, out)
    for created, born, school in session.execute(
        select(Member.created_at, Member.birth_year, Member.school).where(
            Member.library_id == lib_id
        )
    ):
        out.tally[(local_date(created, lib.timezone), born, school_key(school))] += 1
    return out


@dataclass(frozen=True, slots=True)
class _Book:
    id: int
    author: str
    genre: str | None


def _points(session: Session, lib_id: int, out: Recount) -> None:
    """Points per day from the ledger: a log's rows on the library and the log's
    challenges, a challenge's bonus on its challenge, everything else on the library."""
    rows = session.execute(
        select(
            LedgerEntry.day,
            LedgerEntry.rule_code,
            LedgerEntry.amount,
            LedgerEntry.challenge_id,
            ReadingLog.challenge_ids,
            Member.birth_year,
            Member.school,
        )
        .join(Member, Member.id == LedgerEntry.member_id)
        .outerjoin(ReadingLog, ReadingLog.id == LedgerEntry.log_id)
        .where(LedgerEntry.library_id == lib_id)
        .execution_options(yield_per=20_000)
    )
    for day, code, amount, challenge_id, chs, born, school in rows:
        reading, bonus = split_points([(code, amount)])
        scopes = {LIBRARY_SCOPE, *(int(c) for c in chs or () if c)}
        if challenge_id:
            scopes.add(int(challenge_id))
        for scope in scopes:
            cell = out.cell((scope, day, age_group(born, day.year), school_key(school)))
            cell["points_reading"] += reading
            cell["points_bonus"] += bonus


def verify(session: Session, lib: Library) -> Iterator[str]:
    """One line per rollup that differs from the recount (the backlog added first)."""
    backlog.apply_all(session)
    want = recount(session, lib)
    lib_id = lib.id or 0
    expected: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (scope, day, _, _), cell in want.activity.items():
        for col in CHECKED:
            expected[(scope, day)][col] += cell[col]
        if scope == LIBRARY_SCOPE:
            expected[(scope, day)]["points"] += cell["points_reading"] + cell["points_bonus"]
    stored: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for scope, day, *values in session.execute(
        select(
            ActivityDay.challenge_id,
            ActivityDay.day,
            *(func.sum(getattr(ActivityDay, c)) for c in CHECKED),
            func.sum(ActivityDay.points_reading + ActivityDay.points_bonus),
        )
        .where(ActivityDay.library_id == lib_id, ActivityDay.challenge_id != VERSION_SCOPE)
        .group_by(ActivityDay.challenge_id, ActivityDay.day)
    ):
        for col, v in zip((*CHECKED, "points"), values, strict=True):
            if scope == LIBRARY_SCOPE or col != "points":
                stored[(scope, day)][col] += int(v or 0)
    for key in sorted(set(expected) | set(stored)):
        for col in (*CHECKED, "points"):
            a, b = expected[key].get(col, 0), stored[key].get(col, 0)
            if a != b:
                where = "library" if key[0] == LIBRARY_SCOPE else f"challenge {key[0]}"
                yield f"{lib.slug} {where} {key[1]} {col}: counted {b}, logs say {a}"
    have: dict[date, int] = defaultdict(int)
    for day, n in session.execute(
        select(MemberTally.day, func.sum(MemberTally.members))
        .where(MemberTally.library_id == lib_id)
        .group_by(MemberTally.day)
    ):
        have[day] += int(n or 0)
    should: dict[date, int] = defaultdict(int)
    for (day, _, _), n in want.tally.items():
        should[day] += n
    for day in sorted(set(have) | set(should)):
        if have[day] != should[day]:
            yield f"{lib.slug} registrations {day}: counted {have[day]}, members say {should[day]}"


def rebuild(session: Session, lib: Library) -> int:
    """Replace the library's rollups by the recount; the rows written. PostgreSQL locks
    the tables against writers first, so a log booked meanwhile lands after it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "LOCK TABLE activity_day, member_period, topic_day, member_topic, member_tally,"
                " analytics_backlog IN EXCLUSIVE MODE"
            )
        )
    lib_id = lib.id or 0
    want = recount(session, lib)
    members = select(Member.id).where(Member.library_id == lib_id)
    backlog.forget_library(session, lib_id)  # the recount holds every log
    # The version rows stay (a version only grows) and move: figures kept by any
    # process are recomputed.
    session.execute(
        delete(ActivityDay).where(
            ActivityDay.library_id == lib_id, ActivityDay.challenge_id != VERSION_SCOPE
        )
    )
    counters.add_version(session, lib_id, 0)
    session.execute(delete(TopicDay).where(TopicDay.library_id == lib_id))
    session.execute(delete(MemberTally).where(MemberTally.library_id == lib_id))
    session.execute(delete(MemberPeriod).where(MemberPeriod.member_id.in_(members)))
    session.execute(delete(MemberTopic).where(MemberTopic.member_id.in_(members)))
    batches = rollup_rows(want, lib_id)
    written = 0
    for model, rows in batches:
        for i in range(0, len(rows), 5_000):
            session.execute(insert(model), rows[i : i + 5_000])
        written += len(rows)
    return written


def rollup_rows(want: Recount, lib_id: int) -> list[tuple[Any, list[dict[str, Any]]]]:
    """The rows of each rollup table that a recount of the library `lib_id` makes."""
    return [
        (
            ActivityDay,
            [
                {
                    "library_id": lib_id,
                    "challenge_id": s,
                    "day": d,
                    "age_group": g,
                    "school": sc,
                    **v,
                }
                for (s, d, g, sc), v in want.activity.items()
            ],
        ),
        (
            TopicDay,
            [
                {"library_id": lib_id, "day": d, "age_group": g, "kind": k, "topic": t, **v}
                for (d, g, k, t), v in want.topics.items()
            ],
        ),
        (
            MemberPeriod,
            [
                {"member_id": m, "scope": s, "period": p, "starts_on": d}
                for m, s, p, d in want.periods
            ],
        ),
        (
            MemberTopic,
            [
                {"member_id": m, "kind": k, "topic": t, "first_on": d}
                for (m, k, t), d in want.member_topics.items()
            ],
        ),
        (
            MemberTally,
            [
                {"library_id": lib_id, "day": d, "birth_year": b, "school": s, "members": n}
                for (d, b, s), n in want.tally.items()
            ],
        ),
    ]


def libraries(session: Session, slug: str | None) -> list[Library]:
    stmt = select(Library).order_by(Library.slug)
    if slug is not None:
        stmt = stmt.where(Library.slug == slug)
    found = list(session.execute(stmt).scalars())
    if slug is not None and not found:
        raise LookupError(f"no library {slug!r}")
    return found
