"""Top lists and the reading-index panel, from the topic and activity rollups and the boards.

Members appear in a list only from the leaderboard counters, by their public name (a
child only ever by nickname), and never when they opted out; every other list is of
books, authors, genres, hashtags or schools.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.analytics import queries
from app.analytics.counters import month_start
from app.analytics.schemas import (
    SMALL_CELL,
    DateRange,
    IndexRow,
    ReadingIndex,
    TopEntry,
    TopList,
    TopName,
)
from app.analytics.scope import Query, Scope
from app.analytics.service import buckets, filters_of, headcount, ratio
from app.core.problems import unprocessable
from app.leaderboards import keys, store
from app.models.analytics import TopicDay
from app.models.book import Book
from app.models.member import Member

TOPIC_KINDS = {
    "books_by_readers": ("book", "readers"),
    "books_by_finishes": ("book", "finishes"),
    "authors": ("author", "readers"),
    "genres": ("genre", "readers"),
    "hashtags": ("hashtag", "readers"),
}
MAX_LIMIT = 100


def top(session: Session, scope: Scope, query: Query, board: TopName, limit: int = 10) -> TopList:
    """GET /v1/analytics/top: the range's best books, authors, genres, hashtags, schools,
    or the members at the top of the library's board."""
    q = query
    if not 1 <= limit <= MAX_LIMIT:
        raise unprocessable(f"limit is 1 to {MAX_LIMIT}.", field="limit")
    board_name: str | None = None
    if board in TOPIC_KINDS:
        entries = _topics(session, scope, q, board, limit)
    elif board in ("schools_by_readers", "schools_by_share"):
        entries = _schools(session, scope, q, board, limit)
    else:
        board_name, entries = _readers(session, scope, q, limit)
    return TopList(
        library=scope.library.slug,
        name=board,
        period=DateRange(start=q.start, end=q.end),
        filters=filters_of(q),
        board=board_name,
        entries=entries,
    )


def _topics(session: Session, scope: Scope, q: Query, board: str, limit: int) -> list[TopEntry]:
    if q.school is not None:
        raise unprocessable(
            "Books, authors, genres and hashtags are not kept per school.", field="school"
        )
    if q.challenge_id is not None:
        raise unprocessable(
            "Books, authors, genres and hashtags are not kept per challenge.", field="challenge_id"
        )
    kind, order = TOPIC_KINDS[board]
    sums = {
        c: func.sum(getattr(TopicDay, c)).label(c) for c in ("readers", "finishes", "logs", "pages")
    }
    where = [
        TopicDay.library_id == scope.library_id,
        TopicDay.kind == kind,
        TopicDay.day >= q.start,
        TopicDay.day <= q.end,
    ]
    if q.age_group:
        where.append(TopicDay.age_group == q.age_group)
    stmt = (
        select(TopicDay.topic, *sums.values())
        .where(*where)
        .group_by(TopicDay.topic)
        .order_by(sums[order].desc(), sums["logs"].desc(), TopicDay.topic)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    titles: dict[str, tuple[str, str]] = {}
    if kind == "book" and rows:
        ids = [int(r[0]) for r in rows if r[0].isdigit()]
        titles = {
            str(i): (t, a)
            for i, t, a in session.execute(
                select(Book.id, Book.title, Book.author).where(Book.id.in_(ids))
            )
        }
    out = []
    for rank, (topic, readers, finishes, logs, pages) in enumerate(rows, start=1):
        label, detail = titles.get(topic, (topic, None)) if kind == "book" else (topic, None)
        # A kids-only list of a book read by 1 to 4 children says so, not how many.
        out.append(
            TopEntry(
                rank=rank,
                key=topic,
                label=label,
                detail=detail or None,
                readers=headcount(int(readers or 0), q),
                finishes=headcount(int(finishes or 0), q),
                logs=headcount(int(logs or 0), q),
                pages=int(pages or 0) if q.age_group != "kids" else None,
            )
        )
    return out


def _whole_months(q: Query) -> list[tuple[date, date]]:
    return buckets(q.start, q.end, "month")


def _schools(session: Session, scope: Scope, q: Query, board: str, limit: int) -> list[TopEntry]:
    months = _whole_months(q)
    wide = Query(months[0][0], months[-1][1], q.age_group, None, q.challenge_id)
    by_school = queries.activity_by(session, scope.library_id, wide, "school")
    members = queries.registrations_by_school(session, scope.library_id, q)
    rows: list[tuple[str, int, float, float | None]] = []
    for school, n in members.items():
        if not school:
            continue
        active = by_school.get(school, {}).get("readers_month", 0) / len(months)
        share = active / n if n else None
        rows.append((school, n, active, share))
    if board == "schools_by_readers":
        rows.sort(key=lambda r: (-r[2], r[0]))
    else:
        rows.sort(key=lambda r: (-(r[3] or 0.0), -r[2], r[0]))
    out = []
    for rank, (school, n, active, share) in enumerate(rows[:limit], start=1):
        small = 0 < n < SMALL_CELL and q.age_group in (None, "kids")
        out.append(
            TopEntry(
                rank=rank,
                key=school,
                label=school,
                members=headcount(n, Query(q.start, q.end, q.age_group, school)),
                readers=headcount(round(active), Query(q.start, q.end, q.age_group, school))
                if not small
                else "fewer than 5",
                share_active=ratio(None if share is None else round(share, 4), small),
            )
        )
    return out


def _readers(session: Session, scope: Scope, q: Query, limit: int) -> tuple[str, list[TopEntry]]:
    """The library's board: of the month when the range is within one month, of the week
    when within one week, else of all time."""
    if q.challenge_id is not None:
        board = keys.challenge_board(q.challenge_id)
    elif week_of(q.start) == week_of(q.end):
        board = keys.library_board(scope.library_id, "week", q.end)
    elif month_start(q.start) == month_start(q.end):
        board = keys.library_board(scope.library_id, "month", q.end)
    else:
        board = keys.library_board(scope.library_id, "all_time", q.end)
    lo, hi = keys.birth_years(q.age_group, q.end.year) if q.age_group else (None, None)
    rows = store.top(session, board, limit, store.Filters(lo, hi, q.school))
    out = []
    rank, last = 0, None
    for i, row in enumerate(rows, start=1):
        if row.points != last:
            rank, last = i, row.points
        out.append(
            TopEntry(
                rank=rank,
                key=str(row.member_id),
                label=Member.public_name(row),
                points=row.points,
            )
        )
    return board, out


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def reading_index(session: Session, scope: Scope, query: Query) -> ReadingIndex:
    """GET /v1/analytics/reading-index: FM, DM and JB among the month's participants."""
    q = query
    months = _whole_months(q)
    lo = min(week_of(months[0][0]), months[0][0])
    hi = months[-1][1] + timedelta(days=6 - months[-1][1].weekday())
    rows: list[IndexRow] = []
    groups: list[str | None] = [None] if q.age_group else [None, "kids", "teens", "adults"]
    for group in groups:
        cell = Query(q.start, q.end, q.age_group or group, q.school, q.challenge_id)
        days = queries.activity_days(session, scope.library_id, cell, lo, hi)
        for a, b in months:
            in_month = [r for d, r in days.items() if a <= d <= b]
            participants = sum(r["readers_month"] for r in in_month)
            member_days = sum(r["readers_day"] for r in in_month)
            # Weeks that start in the month: a member-week counts once, where it began.
            weeks = sum(r["readers_week"] for d, r in days.items() if a <= week_of(d) <= b)
            week_days = sum(r["readers_day"] for d, r in days.items() if a <= week_of(d) <= b)
            minutes = sum(r["minutes"] for r in in_month)
            finishes = sum(r["finishes"] for r in in_month)
            small = cell.may_hold_children and 0 < participants < SMALL_CELL
            rows.append(
                IndexRow(
                    age_group=(cell.age_group or "all"),
                    start=a,
                    end=b,
                    participants=headcount(participants, cell) if not small else "fewer than 5",
                    fm=ratio(round(week_days / weeks, 2) if weeks else None, small),
                    dm=ratio(round(minutes / member_days, 1) if member_days else None, small),
                    jb=ratio(
                        round(3 * finishes / participants, 2) if participants else None, small
                    ),
                )
            )
    return ReadingIndex(
        library=scope.library.slug,
        period=DateRange(start=months[0][0], end=months[-1][1]),
        filters=filters_of(q),
        rows=rows,
    )
