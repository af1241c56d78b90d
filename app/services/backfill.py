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

from sqlalchemy import Date, update
from sqlmodel import Session

from app.core.hotsql import HotSql
from app.models.member import MemberLike
from app.models.reading import ReadingLog
from app.scoring import BONUS_STREAK, Rules, streak_changes
from app.services import ledger, stats

_FIRST_OF_DAY = HotSql(
    """
    SELECT id FROM reading_log
    WHERE member_id = :member_id AND read_on = :day AND status = 'accepted'
        AND deleted_at IS NULL
    ORDER BY counted_at, id LIMIT 1
    """,
    binds={"day": Date()},
)
_DAY_POINTS = HotSql(
    "UPDATE member_day SET points = points + :change WHERE member_id = :member_id AND day = :day",
    binds={"day": Date()},
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
