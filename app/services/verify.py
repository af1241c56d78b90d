"""`ledger verify`: every invariant of the points a member (or a board) would notice.

Each check reads the database (and the Redis index, when one serves boards) and names
what is broken, per member: the total against the ledger, a deleted log's rows, the
pending points against the pending logs, a log's points against its rows, a day's
counters against its counted logs, completions and badges paid at most once, the board
counters against the ledger, and the Redis boards against the database's. Read in one
snapshot on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Subquery, and_, case, func, select
from sqlmodel import Session

from app.core import dbcompat
from app.core.clock import local_date
from app.leaderboards import keys, store
from app.leaderboards.rebuild import ledger_scores
from app.leaderboards.redis_index import RedisIndex
from app.leaderboards.redis_keys import member_key
from app.models.badge import BadgeAward
from app.models.challenge import ChallengeParticipant
from app.models.leaderboard import BoardScore
from app.models.library import Library
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberDay, ReadingLog
from app.scoring import ACCEPTED, BONUS_BADGE, BONUS_CHALLENGE, PENDING_REVIEW

# The invariants, in the order they are checked and reported.
TOTAL = "total"  # a member's shown total equals the sum of their ledger rows
DELETED_LOG = "deleted-log"  # a deleted log's rows net to zero
PENDING = "pending"  # shown pending points equal the pending logs' points
LOG_POINTS = "log-points"  # a log's points equal its net ledger rows
# a day's counters (what caps and minute points read) equal its counted logs' sums
DAY = "day"
COMPLETION = "completion"  # a challenge completion is recorded and paid at most once
BADGE = "badge"  # a badge is held and paid at most once
BOARD = "board"  # the board counters equal the ledger's sums
REDIS_BOARD = "redis-board"  # the Redis boards equal the database's
INVARIANTS = (
    TOTAL,
    DELETED_LOG,
    PENDING,
    LOG_POINTS,
    DAY,
    COMPLETION,
    BADGE,
    BOARD,
    REDIS_BOARD,
)


@dataclass(frozen=True, slots=True, order=True)
class Breach:
    """One broken invariant: which, whose (None for a board as a whole), and how."""

    member_id: int
    invariant: str
    detail: str


def check(session: Session, now: datetime, index: RedisIndex | None = None) -> list[Breach]:
    """Every breach of every invariant, by member and then invariant."""
    dbcompat.read_one_snapshot(session)
    found = [
        *_totals(session),
        *_deleted_logs(session),
        *_pending(session),
        *_log_points(session),
        *_days(session),
        *_paid_once(session, COMPLETION),
        *_paid_once(session, BADGE),
    ]
    libs = list(session.execute(select(Library.id, Library.timezone).order_by(Library.id)))
    for library_id, timezone in libs:
        found += _boards(session, library_id)
        if index is not None:
            found += _redis_boards(session, index, library_id, local_date(now, timezone))
    order = {name: i for i, name in enumerate(INVARIANTS)}
    return sorted(found, key=lambda b: (b.member_id, order[b.invariant], b.detail))


def _ledger_sums() -> Subquery:
    return (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount).label("s"))
        .group_by(LedgerEntry.member_id)
        .subquery()
    )


def _totals(session: Session) -> list[Breach]:
    sums = _ledger_sums()
    rows = session.execute(
        select(Member.id, func.coalesce(sums.c.s, 0), Member.points_total)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(func.coalesce(sums.c.s, 0) != Member.points_total)
    )
    return [
        Breach(int(m), TOTAL, f"shown total {int(t)}, ledger rows sum to {int(s)}")
        for m, s, t in rows
    ]


def _log_sums() -> Subquery:
    return (
        select(LedgerEntry.log_id, func.sum(LedgerEntry.amount).label("s"))
        .where(LedgerEntry.log_id.is_not(None))
        .group_by(LedgerEntry.log_id)
        .subquery()
    )


def _deleted_logs(session: Session) -> list[Breach]:
    sums = _log_sums()
    rows = session.execute(
        select(ReadingLog.member_id, ReadingLog.id, sums.c.s)
        .join(sums, sums.c.log_id == ReadingLog.id)
        .where(ReadingLog.deleted_at.is_not(None), sums.c.s != 0)
    )
    return [
        Breach(int(m), DELETED_LOG, f"deleted log {log_id} still nets {int(s)} points")
        for m, log_id, s in rows
    ]


def _pending(session: Session) -> list[Breach]:
    waiting = (
        select(ReadingLog.member_id, func.sum(ReadingLog.pending_points).label("s"))
        .where(ReadingLog.status == PENDING_REVIEW, ReadingLog.deleted_at.is_(None))
        .group_by(ReadingLog.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.id, Member.points_pending, func.coalesce(waiting.c.s, 0))
        .outerjoin(waiting, waiting.c.member_id == Member.id)
        .where(Member.points_pending != func.coalesce(waiting.c.s, 0))
    )
    return [
        Breach(int(m), PENDING, f"shown pending {int(p)}, pending logs hold {int(s)}")
        for m, p, s in rows
    ]


def _log_points(session: Session) -> list[Breach]:
    sums = _log_sums()
    net = func.coalesce(sums.c.s, 0)
    rows = session.execute(
        select(ReadingLog.member_id, ReadingLog.id, ReadingLog.status, ReadingLog.points, net)
        .outerjoin(sums, sums.c.log_id == ReadingLog.id)
        .where(ReadingLog.deleted_at.is_(None), ReadingLog.points != net)
    )
    return [
        Breach(
            int(m), LOG_POINTS, f"{status} log {log_id} shows {int(p)} points, rows net {int(s)}"
        )
        for m, log_id, status, p, s in rows
    ]


# The figures of a day `_days` compares, as `member_day` names them.
_DAY_FIGURES = (
    "pages",
    "minutes",
    "loose_minutes",
    "boosted_minutes",
    "boosted_multiplier",
    "logs",
)


def _days(session: Session) -> list[Breach]:
    loose = case((ReadingLog.pages == 0, ReadingLog.minutes), else_=0)
    counted = session.execute(
        select(
            ReadingLog.member_id,
            ReadingLog.read_on,
            func.sum(ReadingLog.pages),
            func.sum(ReadingLog.minutes),
            func.sum(loose),
            func.sum(case((ReadingLog.multiplier > 1, loose), else_=0)),
            # the highest multiplier above x1 among the day's minute-only logs, 0 if none
            func.max(
                case((and_(loose > 0, ReadingLog.multiplier > 1), ReadingLog.multiplier), else_=0)
            ),
            func.count(),
        )
        .where(ReadingLog.status == ACCEPTED, ReadingLog.deleted_at.is_(None))
        .group_by(ReadingLog.member_id, ReadingLog.read_on)
    )
    want = {(int(m), d): tuple(int(v) for v in figures) for m, d, *figures in counted}
    table = MemberDay.__table__
    kept = session.execute(
        select(table.c.member_id, table.c.day, *(table.c[f] for f in _DAY_FIGURES)).where(
            table.c.logs > 0
        )
    )
    have = {(int(m), d): tuple(int(v) for v in figures) for m, d, *figures in kept}
    none = (0,) * len(_DAY_FIGURES)
    breaches = []
    for member_id, day in sorted(have.keys() | want.keys()):
        kept_figures = have.get((member_id, day), none)
        log_figures = want.get((member_id, day), none)
        if kept_figures != log_figures:
            wrong = ", ".join(
                f"{name} {k} (its logs: {w})"
                for name, k, w in zip(_DAY_FIGURES, kept_figures, log_figures, strict=True)
                if k != w
            )
            breaches.append(Breach(member_id, DAY, f"day {day.isoformat()} keeps {wrong}"))
    return breaches


def _paid_once(session: Session, invariant: str) -> list[Breach]:
    """Held (completed) at most once, and its bonus paid net once while held, never
    while not: payments minus reversals is 1 (0 when it pays nothing) or 0."""
    if invariant == COMPLETION:
        code, ref, what = BONUS_CHALLENGE, LedgerEntry.challenge_id, "challenge"
        held = set(
            session.execute(
                select(ChallengeParticipant.member_id, ChallengeParticipant.challenge_id).where(
                    ChallengeParticipant.completed_at.is_not(None)
                )
            ).tuples()
        )
    else:
        code, ref, what = BONUS_BADGE, LedgerEntry.badge_id, "badge"
        held = set(session.execute(select(BadgeAward.member_id, BadgeAward.badge_id)).tuples())
    paid = session.execute(
        select(
            LedgerEntry.member_id,
            ref,
            func.sum(LedgerEntry.amount),
            func.sum(case((LedgerEntry.amount > 0, 1), else_=0)),
            func.sum(case((LedgerEntry.amount < 0, 1), else_=0)),
        )
        .where(LedgerEntry.rule_code == code, ref.is_not(None))
        .group_by(LedgerEntry.member_id, ref)
    )
    out: list[Breach] = []
    for member_id, ref_id, net, payments, reversals in paid:
        times = int(payments) - int(reversals)
        if (member_id, ref_id) in held:
            if times > 1 or times < 0 or (times == 0 and net != 0):
                out.append(
                    Breach(int(member_id), invariant, f"{what} {ref_id} paid {times} times ({net})")
                )
        elif net != 0 or times != 0:
            out.append(
                Breach(
                    int(member_id),
                    invariant,
                    f"{what} {ref_id} not {'completed' if what == 'challenge' else 'held'} "
                    f"but its bonus nets {int(net)}",
                )
            )
    if invariant == COMPLETION:
        done: dict[int, int] = defaultdict(int)
        for member_id, _ in held:
            done[member_id] += 1
        for member_id, shown in session.execute(
            select(Member.id, Member.challenges_completed).where(
                (Member.challenges_completed != 0) | Member.id.in_(list(done))
            )
        ):
            if shown != done.get(member_id, 0):
                out.append(
                    Breach(
                        int(member_id),
                        COMPLETION,
                        f"shows {shown} challenges completed, {done.get(member_id, 0)} recorded",
                    )
                )
    return out


def _boards(session: Session, library_id: int) -> list[Breach]:
    want = {k: v for k, v in ledger_scores(session, library_id).items() if v != 0}
    have = {
        (board, int(member_id)): int(points)
        for board, member_id, points in session.execute(
            select(BoardScore.board, BoardScore.member_id, BoardScore.points)
            .join(Member, Member.id == BoardScore.member_id)
            .where(Member.library_id == library_id, BoardScore.points != 0)
        )
    }
    return [
        Breach(
            member_id,
            BOARD,
            f"board {board} counts {have.get((board, member_id), 0)}, "
            f"its ledger rows {want.get((board, member_id), 0)}",
        )
        for board, member_id in sorted(set(want) | set(have))
        if want.get((board, member_id), 0) != have.get((board, member_id), 0)
    ]


def _redis_boards(
    session: Session, index: RedisIndex, library_id: int, today: date
) -> list[Breach]:
    """Every sorted set of a library that Redis would answer from (ready, not stale)
    against the database counters, variants (age group, school) included."""
    flags = index.client.hmget(index.ready_key, [f"!{library_id}", str(library_id), "*"])
    stale, own_year, all_year = (f.decode() if f is not None else None for f in flags)
    built = own_year or all_year
    if stale or not built:
        return []  # the database answers this library's boards
    year = int(built)
    want: dict[str, dict[str, int]] = defaultdict(dict)
    live: set[str] = set()
    with_staff = bool(
        session.execute(select(Library.staff_on_boards).where(Library.id == library_id)).scalar()
    )
    for row in store.scores_of_library(session, library_id):
        if not store.on_boards(row.role, row.opted_out, with_staff):
            continue
        if not keys.is_live(row.board, today):
            continue
        live.add(row.board)
        for k in index.variant_keys(library_id, row.board, row.birth_year, row.school, year):
            if row.points:
                want[k][member_key(row.member_id)] = row.points
    prefix = f"{index.namespace}:{library_id}:"
    out: list[Breach] = []
    for raw in index.client.scan_iter(match=f"{prefix}*", count=5_000):
        k = raw.decode()
        if k.endswith(":names") or not _answered(k[len(prefix) :], today, year):
            continue
        want.setdefault(k, {})
    for k, members in sorted(want.items()):
        scored: list[tuple[bytes, float]] = index.client.zrange(k, 0, -1, withscores=True)  # type: ignore[assignment]
        have = {m.decode(): int(score) for m, score in scored if int(score) != 0}
        for m in sorted(set(members) | set(have)):
            if members.get(m, 0) != have.get(m, 0):
                out.append(
                    Breach(
                        int(m),
                        REDIS_BOARD,
                        f"Redis {k[len(prefix) :]} holds {have.get(m, 0)}, "
                        f"the database {members.get(m, 0)}",
                    )
                )
    return out


def _answered(rest: str, today: date, year: int) -> bool:
    """Whether Redis answers from the set `{board}[:s:{school}][:a{year}:{group}]`: a live
    board, and an age-group variant only of the year the library was built for."""
    board, _, variant = rest.partition(":s:")
    parts = (variant or board).split(":")
    if len(parts) >= 2 and parts[-2].startswith("a") and parts[-2][1:].isdigit():
        if int(parts[-2][1:]) != year:
            return False
        if not variant:
            board = ":".join(parts[:-2])
    return keys.is_live(board, today)
