"""What every programme shares: who may see or run it, local times, and booking its points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import as_utc
from app.core.db import insert_ignore
from app.core.problems import forbidden
from app.models.badge import Badge, BadgeAward
from app.models.member import Member, age_group
from app.models.quizzes import Poll, Quiz
from app.models.reading import AwardRow, BadgeBrief
from app.scoring import BONUS_BADGE
from app.services import badge_awards, badges, ledger


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in the library's zone as a UTC instant."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def to_local(instant: datetime, tz: str) -> datetime:
    """A stored instant as the library's wall-clock time, without an offset."""
    return as_utc(instant).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def lock_row(session: Session, row: Quiz | Poll, *, share: bool = False) -> None:
    """Take a quiz's or poll's row lock and read it afresh: an edit takes it alone, its
    submissions or votes share it, so none sees the questions change under it. SQLite
    serialises every write transaction already."""
    model = type(row)
    session.execute(select(model.id).where(model.id == row.id).with_for_update(read=share))
    session.refresh(row)


def check_age(groups: Sequence[str], member: Member, year: int, what: str) -> None:
    mine = age_group(member.birth_year, year)
    if mine not in groups:
        raise forbidden(f"This {what} is for {', '.join(groups)}; you are in {mine}.")


def book_reward(
    session: Session,
    member: Member,
    rows: list[ledger.Row],
    *,
    badge_id: int | None,
    day: date,
    now: datetime,
    timezone: str,
) -> tuple[list[ledger.Booked], list[Badge]]:
    """Book a programme's points, the programme's own badge (once, with its bonus) and
    every catalogue badge the member now meets, all through the ledger."""
    earned: list[Badge] = []
    if badge_id is not None and insert_ignore(
        session,
        BadgeAward.__table__,
        {"member_id": member.id, "badge_id": badge_id, "awarded_at": now, "log_id": None},
    ):
        badge = session.get(Badge, badge_id)
        if badge is not None:
            earned.append(badge)
            if badge.bonus_points:
                rows = [*rows, ledger.Row(BONUS_BADGE, badge.bonus_points, badge_id=badge.id)]
    booked = ledger.append(session, member, rows, day=day, now=now, timezone=timezone)
    more, more_rows = badge_awards.award_earned(session, member, day, now)
    return booked + more_rows, earned + more


def awards_out(
    booked: Sequence[ledger.Booked], earned: Sequence[Badge]
) -> tuple[list[AwardRow], list[BadgeBrief]]:
    return [ledger.award_row(b) for b in booked], [badges.brief(b) for b in earned]
