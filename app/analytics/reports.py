"""The reports librarians know from other reading programmes, as tables to read or download.

Each is one call returning a `Report` (columns and rows); `export` turns any of them
into CSV or XLSX, so the download is the same table the API answers.
"""

from __future__ import annotations

from sqlmodel import Session

from app.analytics import lists, queries, statements
from app.analytics.schemas import SMALL_CELL, SUPPRESSED, Cell, DateRange, Report, ReportName
from app.analytics.scope import Query, Scope
from app.analytics.service import filters_of, headcount, summary

TITLES: dict[str, str] = {
    "status": "Current status",
    "schools": "Registrations and achievers by school",
    "progress": "Participant progress",
    "badges": "Badges earned",
    "top_scores": "Top scores",
}
BANDS = (25, 50, 75)


def report(session: Session, scope: Scope, query: Query, name: ReportName) -> Report:
    """GET /v1/analytics/reports/{name}: one report of the range."""
    columns, rows = _BUILDERS[name](session, scope, query)
    return Report(
        name=name,
        title=TITLES[name],
        library=scope.library.slug,
        period=DateRange(start=query.start, end=query.end),
        filters=filters_of(query),
        columns=columns,
        rows=rows,
    )


Table = tuple[list[str], list[list[Cell]]]


def _status(session: Session, scope: Scope, q: Query) -> Table:
    s = summary(session, scope, q)
    done = queries.achievers(session, scope.library_id, q, scope.library.timezone).get("", (0, 0))
    rows: list[list[Cell]] = [
        ["Registered members", s.members],
        ["New members", s.new_members],
        ["First-time participants", s.first_time_readers],
        ["Active readers (per month)", s.active_readers.month.average],
        ["Achievers (completed a challenge)", headcount(done[0], q)],
        ["Challenges completed", headcount(done[1], q)],
        ["Badges earned", s.badges_earned],
        ["Logs", s.logs],
        ["Pages", s.pages],
        ["Minutes", s.minutes],
        ["Books finished", s.books_finished],
        ["Points (reading)", s.points.reading],
        ["Points (bonus)", s.points.bonus],
        ["Points (total)", s.points.total],
    ]
    return ["Figure", "Value"], rows


def _schools(session: Session, scope: Scope, q: Query) -> Table:
    members = queries.registrations_by_school(session, scope.library_id, q)
    new = queries.registrations_by_school(session, scope.library_id, q, start=q.start)
    done = queries.achievers(session, scope.library_id, q, scope.library.timezone, by_school=True)
    active = {e.key: e for e in lists.top(session, scope, q, "schools_by_readers", 100).entries}
    rows: list[list[Cell]] = []
    for school in sorted(s for s in members if s):
        cell = Query(q.start, q.end, q.age_group, school, q.challenge_id)
        small = cell.may_hold_children and 0 < members[school] < SMALL_CELL
        entry = active.get(school)
        rows.append(
            [
                school,
                headcount(members[school], cell),
                SUPPRESSED if small and new.get(school) else headcount(new.get(school, 0), cell),
                entry.readers if entry else 0,
                entry.share_active if entry else None,
                SUPPRESSED
                if small and done.get(school)
                else headcount(done.get(school, (0, 0))[0], cell),
            ]
        )
    return [
        "School",
        "Members",
        "New members",
        "Active readers (per month)",
        "Share of members active",
        "Achievers",
    ], rows


def _progress(session: Session, scope: Scope, q: Query) -> Table:
    rows: list[list[Cell]] = []
    for t in statements.challenge_tallies(session, scope.library_id, q):
        ch = t.challenge
        bands = [t.passed(band) for band in BANDS]
        rows.append(
            [
                ch.title,
                ch.hashtag,
                ch.goal,
                ch.target,
                headcount(t.participants, q),
                *(headcount(n, q) for n in bands),
                headcount(t.completions, q),
            ]
        )
    return [
        "Challenge",
        "Hashtag",
        "Goal",
        "Target",
        "Participants",
        "Passed 25%",
        "Passed 50%",
        "Passed 75%",
        "Completed (100%)",
    ], rows


def _badges(session: Session, scope: Scope, q: Query) -> Table:
    rows: list[list[Cell]] = [
        [name, headcount(n, q)]
        for _, name, n in queries.badges_by_badge(
            session, scope.library_id, q, scope.library.timezone
        )
    ]
    return ["Badge", "Earned"], rows


def _top_scores(session: Session, scope: Scope, q: Query) -> Table:
    board = lists.top(session, scope, q, "readers", 20)
    rows: list[list[Cell]] = [[e.rank, e.label, e.points] for e in board.entries]
    return ["Rank", "Name (children by nickname)", "Points"], rows


_BUILDERS = {
    "status": _status,
    "schools": _schools,
    "progress": _progress,
    "badges": _badges,
    "top_scores": _top_scores,
}
