"""Back-filling: a day counted after the days that follow it pays their longer streaks.

An offline phone sends its queue in any order, and a member logs yesterday after today:
when a log is the first to count on a day and the next day already has counted logs,
the run of days after it gets longer streaks. The difference is booked on each such
day's first counted log (where the day's streak bonus lives), with that day's figures,
so the points of a set of logs do not depend on the order they arrived in and equal
what `rescore` replays. Only this path pays the extra work: a log on a day after every
other one (the usual case) never comes here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from app.core.hotsql import HotSql
from app.models.member import MemberLike
from app.models.reading import MemberDay, ReadingLog
from app.scoring import ACCEPTED, BONUS_STREAK, Rules, streak_changes
from app.services import ledger, stats

_log = ReadingLog.__table__.c
_day = MemberDay.__table__.c
_FIRST_OF_DAY = HotSql(
    select(_log.id)
    .where(
        _log.member_id == bindparam("member_id"),
        _log.read_on == bindparam("day"),
        _log.status == ACCEPTED,
        _log.deleted_at.is_(None),
    )
    .order_by(_log.counted_at, _log.id)
    .limit(1)
)
_DAY_POINTS = HotSql(
    update(MemberDay.__table__)
    .where(_day.member_id == bindparam("member_id"), _day.day == bindparam("day"))
    .values(points=_day.points + bindparam("change"))
)


def backfills(days: Collection[date] | None, read_on: date, first_of_day: bool) -> bool:
    """Whether a log counted on `read_on` may change later days' streaks: it is the
    day's first, and the next day has counted logs (unknown `days`: maybe)."""
    if not first_of_day:
        return False
    return days is None or read_on + timedelta(days=1) in days


def pay_later_streaks(
    session: Session,
    member: MemberLike,
    read_on: date,
    rules: Rules,
    now: datetime,
    days: Collection[date] | None = None,
) -> list[ledger.Booked]:
    """Book the streak bonus changes of the days after `read_on`, whose first counted
    log just came in (call under the member's lock). `days`: the member's counted days
    before it, when the caller has them all."""
    member_id = member.id or 0
    known = set(days) if days is not None else set(stats.counted_days(session, member_id))
    known.discard(read_on)
    booked: list[ledger.Booked] = []
    for day, change in streak_changes(known, read_on, rules):
        found = _FIRST_OF_DAY.first(session, {"member_id": member_id, "day": day})
        if found is None:  # cannot be: the day has counted logs
            continue
        (log_id,) = found
        booked += ledger.append(
            session,
            member,
            [ledger.Row(BONUS_STREAK, change, log_id=log_id)],
            day=day,
            now=now,
        )
        session.execute(
            update(ReadingLog)
            .where(ReadingLog.id == log_id)
            .values(points=ReadingLog.points + change)
        )
        _DAY_POINTS.run(session, {"member_id": member_id, "day": day, "change": change})
    return booked
