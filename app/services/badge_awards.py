"""Badge awards: awarding once per member when criteria hold (with the bonus), and revoking
when they stop holding (reversing it).

The unique (member, badge) pair makes an award happen once, whatever the race. The catalogue
(defining badges, their public shapes, a member's badges with progress) is `badges.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Select, bindparam, delete, func, select
from sqlmodel import Session

from app.analytics import moves
from app.core.clock import local_date
from app.core.db import insert_ignore, lock_member
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library
from app.models.member import Member, MemberLike
from app.models.reading import LedgerEntry, ReadingLog
from app.scoring import BONUS_BADGE, Criterion, Stats, all_met, progress
from app.services import ledger, stats


def challenge_badge_ids(member_id: int) -> Select[tuple[int | None]]:
    """The badges the member's completed challenges awarded (they stay with the
    completion, whatever the badge's criteria say)."""
    return (
        select(Challenge.badge_id)
        .join(ChallengeParticipant, ChallengeParticipant.challenge_id == Challenge.id)
        .where(
            ChallengeParticipant.member_id == member_id,
            ChallengeParticipant.completed_at.is_not(None),
            Challenge.badge_id.is_not(None),
        )
    )


def criteria_of(b: Badge) -> list[Criterion]:
    return [
        Criterion(c["metric"], int(c["target"]), c.get("period", "all_time")) for c in b.criteria
    ]


def periods_of(badges: Sequence[Badge]) -> set[str]:
    return {c.period for b in badges for c in criteria_of(b)} | {"all_time"}


def metrics_of(badges: Sequence[Badge]) -> set[str]:
    return {c.metric for b in badges for c in criteria_of(b)}


_NOT_YET_HELD = (
    select(Badge)
    .where(
        Badge.library_id == bindparam("library_id"),
        Badge.id.not_in(
            select(BadgeAward.badge_id).where(BadgeAward.member_id == bindparam("member_id"))
        ),
    )
    .order_by(Badge.id)
)


def award_to_those_who_meet(session: Session, lib: Library, badge: Badge, now: datetime) -> int:
    """A new badge goes at once (in its creation's transaction) to every member of the
    library who already meets it, with its bonus; returns how many. Each member is
    locked in turn, so a log of theirs in flight lands first and is counted."""
    today = local_date(now, lib.timezone)
    active = (Member.logs_total > 0) | (Member.shares_total > 0)
    ids = list(
        session.execute(
            select(Member.id)
            .where(Member.library_id == lib.id, active | (Member.challenges_completed > 0))
            .order_by(Member.id)
        ).scalars()
    )
    awarded = 0
    for member_id in ids:
        lock_member(session, member_id)
        member = session.get(Member, member_id, populate_existing=True)
        assert member is not None
        earned, _ = award_earned(session, member, today, now, candidates=[badge])
        awarded += len(earned)
    return awarded


def award_earned(
    session: Session,
    member: MemberLike,
    ref_day: date,
    now: datetime,
    *,
    log_id: int | None = None,
    counters: Mapping[str, int] | None = None,
    candidates: Sequence[Badge] | None = None,
    days: Collection[date] | None = None,
    timezone: str | None = None,
) -> tuple[list[Badge], list[ledger.Booked]]:
    """Award every badge of the member's library whose criteria now hold; once each.

    `candidates`: the library's badges the member does not hold yet, when the caller
    knows them (the reading path keeps the catalogue in memory); `days`: every day with
    counted reading, when the caller has them; `timezone`: the library's, when known.
    """
    if candidates is None:
        candidates = list(
            session.execute(
                _NOT_YET_HELD, {"library_id": member.library_id, "member_id": member.id}
            ).scalars()
        )
    if not candidates:
        return [], []
    by_period = stats.badge_stats(
        session,
        member,
        periods_of(candidates),
        ref_day,
        metrics=metrics_of(candidates),
        counters=counters,
        days=days,
        timezone=timezone,
    )
    earned: list[Badge] = []
    rows: list[ledger.Booked] = []
    for badge in candidates:
        if not all_met(progress(criteria_of(badge), by_period)):
            continue
        # The unique (member, badge) pair makes the award happen once, whatever the race.
        if not insert_ignore(
            session,
            BadgeAward.__table__,
            {"member_id": member.id, "badge_id": badge.id, "awarded_at": now, "log_id": log_id},
        ):
            continue
        earned.append(badge)
        if badge.bonus_points:
            rows += ledger.append(
                session,
                member,
                [ledger.Row(BONUS_BADGE, badge.bonus_points, badge_id=badge.id)],
                day=ref_day,
                now=now,
            )
    return earned, rows


def met_badges(
    session: Session, member: MemberLike, candidates: Sequence[Badge], ref_day: date
) -> list[Badge]:
    """Those of `candidates` whose every criterion holds over the periods holding `ref_day`."""
    if not candidates:
        return []
    by_period = stats.badge_stats(
        session, member, periods_of(candidates), ref_day, metrics=metrics_of(candidates)
    )
    return [b for b in candidates if all_met(progress(criteria_of(b), by_period))]


def revoke_unmet(session: Session, member: Member, ref_day: date, now: datetime) -> list[Badge]:
    """Take back badges whose criteria no longer hold (after a deletion), with their bonus.

    A badge is judged in the period it was earned in (the day of the log that earned it,
    else the local day of the award): October's "1 share this month" stays earned in
    November. A badge a completed challenge awarded stays with the completion.
    """
    from_challenge = challenge_badge_ids(member.id or 0)
    rows = session.execute(
        select(Badge, BadgeAward.awarded_at, ReadingLog.read_on)
        .join(BadgeAward, BadgeAward.badge_id == Badge.id)
        .outerjoin(ReadingLog, ReadingLog.id == BadgeAward.log_id)
        .where(BadgeAward.member_id == member.id, Badge.id.not_in(from_challenge))
    ).all()
    if not rows:
        return []
    timezone = session.execute(
        select(Library.timezone).where(Library.id == member.library_id)
    ).scalar_one()
    held: list[Badge] = []
    judged_on: dict[int, date] = {}
    for badge, awarded_at, read_on in rows:
        held.append(badge)
        periodic = any(c.period != "all_time" for c in criteria_of(badge))
        judged_on[badge.id or 0] = (
            (read_on or local_date(awarded_at, timezone)) if periodic else ref_day
        )
    by_day: dict[date, dict[str, Stats]] = {}
    for day in set(judged_on.values()):
        on_day = [b for b in held if judged_on[b.id or 0] == day]
        by_day[day] = stats.badge_stats(session, member, periods_of(on_day), day, timezone=timezone)
    unmet = [b for b in held if not all_met(progress(criteria_of(b), by_day[judged_on[b.id or 0]]))]
    return revoke(session, member, unmet, ref_day, now)


def revoke(
    session: Session, member: MemberLike, held: Sequence[Badge], ref_day: date, now: datetime
) -> list[Badge]:
    """Take back these badges of the member, reversing the bonus they paid."""
    revoked = []
    for badge in held:
        session.execute(
            delete(BadgeAward).where(
                BadgeAward.member_id == member.id, BadgeAward.badge_id == badge.id
            )
        )
        paid = session.execute(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.member_id == member.id, LedgerEntry.badge_id == badge.id
            )
        ).scalar_one()
        if paid:
            ledger.append(
                session,
                member,
                [ledger.Row(BONUS_BADGE, -int(paid), badge_id=badge.id)],
                day=ref_day,
                now=now,
            )
        revoked.append(badge)
    if revoked:  # the badges earned that staff read
        moves.figures_changed(session, member.library_id or 0, member.id or 0)
    return revoked
