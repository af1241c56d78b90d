"""The points ledger: append-only rows, and the member totals kept beside them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, insert, select, update
from sqlmodel import Session

from app import leaderboards
from app.analytics import moves
from app.core.hotsql import HotSql
from app.core.pagination import id_page
from app.models.member import Member, MemberLike
from app.models.reading import AwardRow, LedgerEntry, PointsSummary, Totals
from app.scoring import READING_CODES


@dataclass(frozen=True, slots=True)
class Booked:
    """A ledger row as written (what callers read back; cheaper than a model instance)."""

    id: int
    member_id: int
    library_id: int
    amount: int
    rule_code: str
    log_id: int | None
    badge_id: int | None
    challenge_id: int | None
    reverses_id: int | None
    created_at: datetime
    day: date


@dataclass(frozen=True, slots=True)
class Row:
    rule_code: str
    amount: int
    log_id: int | None = None
    badge_id: int | None = None
    challenge_id: int | None = None


def append(
    session: Session,
    member: MemberLike,
    rows: Sequence[Row],
    *,
    day: date,
    now: datetime,
    challenge_ids: Sequence[int] | None = None,
    move_total: bool = True,
    timezone: str | None = None,
    roll_up: bool = True,
) -> list[Booked]:
    """Write rows and move the member's total by their sum in one atomic update.

    The same transaction moves the leaderboard counters (`challenge_ids`: the
    challenges the rows of one log count for, when the caller knows them; `timezone`:
    the library's, when the caller has it). `move_total=False` leaves the total to a
    caller that moves it in an UPDATE of its own (the reading path updates every
    counter at once). `roll_up=False` leaves the analytics day to a caller that moves
    it itself (the reading path's counting).
    """
    values = _values(member, rows, day, now)
    if not values:
        return []
    ids = _insert_rows(len(values)).run(
        session, {f"{k}{i}": v for i, row in enumerate(values) for k, v in row.items()}
    )
    # RETURNING gives no order guarantee for a multi-row VALUES; ids rise in row order.
    ids = sorted(i for (i,) in ids)
    entries = _booked(values, ids)
    if move_total:
        add_points(session, member.id or 0, total=sum(e.amount for e in entries))
    leaderboards.record(
        session, member, entries, day=day, challenge_ids=challenge_ids, timezone=timezone
    )
    if roll_up:
        moves.record_points(
            session,
            member,
            member.library_id or 0,
            day,
            [(e.rule_code, e.amount, e.challenge_id) for e in entries],
        )
    return entries


def _values(
    member: MemberLike, rows: Sequence[Row], day: date, now: datetime
) -> list[dict[str, object]]:
    """The columns of the rows worth a ledger entry (zero-point rows are not written)."""
    return [
        {
            "member_id": member.id or 0,
            "library_id": member.library_id or 0,
            "amount": r.amount,
            "rule_code": r.rule_code,
            "log_id": r.log_id,
            "badge_id": r.badge_id,
            "challenge_id": r.challenge_id,
            "reverses_id": None,
            "created_at": now,
            "day": day,
        }
        for r in rows
        if r.amount != 0
    ]


def booked(
    member: MemberLike,
    rows: Sequence[Row],
    ids: Sequence[int],
    *,
    day: date,
    now: datetime,
) -> list[Booked]:
    """Rows written elsewhere (the reading path's one statement on PostgreSQL), with
    the ids the database gave them, in the rows' order."""
    return _booked(_values(member, rows, day, now), ids)


def _booked(values: list[dict[str, object]], ids: Sequence[int]) -> list[Booked]:
    return [Booked(id=i, **v) for i, v in zip(ids, values, strict=True)]


_LEDGER = LedgerEntry.__table__
# The columns a row is written with: Booked's, but the id the database gives.
_ROW_COLUMNS = tuple(_LEDGER.c[f.name] for f in fields(Booked) if f.name != "id")


@lru_cache(maxsize=16)
def _insert_rows(n: int) -> HotSql:
    """INSERT of `n` ledger rows, straight to the driver (every log books some)."""
    rows = [{c: bindparam(f"{c.key}{i}", type_=c.type) for c in _ROW_COLUMNS} for i in range(n)]
    return HotSql(insert(_LEDGER).values(rows).returning(_LEDGER.c.id))


def add_points(session: Session, member_id: int, *, total: int = 0, pending: int = 0) -> None:
    if total == 0 and pending == 0:
        return
    session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(
            points_total=Member.points_total + total,
            points_pending=Member.points_pending + pending,
        )
    )


def totals(session: Session, member_id: int) -> Totals:
    total, pending = session.execute(
        select(Member.points_total, Member.points_pending).where(Member.id == member_id)
    ).one()
    return Totals(total=total, pending=pending)


def award_row(e: Booked | LedgerEntry) -> AwardRow:
    return AwardRow(
        id=e.id or 0,
        rule_code=e.rule_code,
        kind="reading" if e.rule_code in READING_CODES else "bonus",
        amount=e.amount,
        log_id=e.log_id,
        badge_id=e.badge_id,
        challenge_id=e.challenge_id,
        created_at=e.created_at,
    )


def summary(session: Session, member_id: int) -> PointsSummary:
    by_rule = {
        code: int(amount)
        for code, amount in session.execute(
            select(LedgerEntry.rule_code, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.member_id == member_id)
            .group_by(LedgerEntry.rule_code)
            .order_by(LedgerEntry.rule_code)
        )
    }
    t = totals(session, member_id)
    reading = sum(v for k, v in by_rule.items() if k in READING_CODES)
    return PointsSummary(
        total=t.total,
        pending=t.pending,
        reading=reading,
        bonus=sum(by_rule.values()) - reading,
        by_rule=by_rule,
    )


def page(
    session: Session, member_id: int, limit: int, cursor: str | None
) -> tuple[list[LedgerEntry], str | None]:
    stmt = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
    return id_page(
        session,
        stmt,
        LedgerEntry.id,
        lambda e: e.id,
        limit,
        cursor,
        newest_first=True,
        scalars=True,
    )


def net_by_rule(session: Session, *, log_id: int) -> dict[str, int]:
    return {
        code: int(amount)
        for code, amount in session.execute(
            select(LedgerEntry.rule_code, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.log_id == log_id)
            .group_by(LedgerEntry.rule_code)
        )
    }


def mismatches(session: Session) -> list[tuple[int, int, int]]:
    """Members whose ledger sum differs from their total: (member, sum, total)."""
    sums = (
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount).label("s"))
        .group_by(LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member.id, func.coalesce(sums.c.s, 0), Member.points_total)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(func.coalesce(sums.c.s, 0) != Member.points_total)
        .order_by(Member.id)
    )
    return [(int(a), int(b), int(c)) for a, b, c in rows]
