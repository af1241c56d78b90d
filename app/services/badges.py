"""Badges: the catalogue, awarding once per member, revoking when criteria stop holding."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import insert_ignore, lock_library, lock_member
from app.core.problems import Problem, conflict, unprocessable
from app.models.badge import (
    Badge,
    BadgeAward,
    BadgeCreate,
    BadgeCriterion,
    BadgePublic,
    CriterionProgressOut,
    MemberBadge,
    MemberBadges,
)
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library, ScoringSettings
from app.models.member import Member, MemberLike
from app.models.reading import BadgeBrief, LedgerEntry, ReadingLog
from app.scoring import (
    BONUS_BADGE,
    Criterion,
    Rules,
    Stats,
    all_met,
    badge_unreachable_reason,
    progress,
    progress_label,
)
from app.services import ledger, stats


def rules_of(lib: Library) -> Rules:
    return rules_from(lib.scoring)


def rules_from(scoring: Mapping[str, Any]) -> Rules:
    """A library's rules from its `scoring` settings."""
    return _rules(tuple(sorted(scoring.items())))


@lru_cache(maxsize=256)
def _rules(items: tuple[tuple[str, Any], ...]) -> Rules:
    # Validated once per distinct settings: the reading path asks on every log.
    return Rules.from_mapping(ScoringSettings(**dict(items)).model_dump())


def public(b: Badge) -> BadgePublic:
    return BadgePublic(
        id=b.id or 0,
        name=b.name,
        description=b.description,
        icon=b.icon,
        color=b.color,
        criteria=[BadgeCriterion(**c) for c in b.criteria],
        bonus_points=b.bonus_points,
    )


def brief(b: Badge) -> BadgeBrief:
    return BadgeBrief(
        id=b.id or 0, name=b.name, icon=b.icon, color=b.color, bonus_points=b.bonus_points
    )


def catalogue(session: Session, library_id: int) -> list[Badge]:
    return list(
        session.execute(
            select(Badge).where(Badge.library_id == library_id).order_by(Badge.id)
        ).scalars()
    )


def create(session: Session, lib: Library, data: BadgeCreate, now: datetime) -> Badge:
    criteria = [Criterion(c.metric, c.target, c.period) for c in data.criteria]
    reason = badge_unreachable_reason(criteria, rules_of(lib))
    if reason:
        raise unprocessable(
            f"No member could ever earn this badge: {reason}.",
            field="criteria",
            slug="unreachable",
        )
    lock_library(session, lib.id or 0)  # the name check and the insert, as one step
    exists = session.execute(
        select(Badge.id).where(Badge.library_id == lib.id, Badge.name == data.name)
    ).first()
    if exists:
        raise _name_taken()
    badge = Badge(
        library_id=lib.id or 0,
        name=data.name,
        description=data.description,
        icon=data.icon,
        color=data.color,
        criteria=[c.model_dump() for c in data.criteria],
        bonus_points=data.bonus_points,
        created_at=now,
    )
    session.add(badge)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the unique (library, name) pair, should anything get past
        raise _name_taken() from None
    award_to_those_who_meet(session, lib, badge, now)
    return badge


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


def _name_taken() -> Problem:
    return conflict("This library already has a badge with that name.", "already-taken")


def _criteria(b: Badge) -> list[Criterion]:
    return [
        Criterion(c["metric"], int(c["target"]), c.get("period", "all_time")) for c in b.criteria
    ]


def _periods(badges: Sequence[Badge]) -> set[str]:
    return {c.period for b in badges for c in _criteria(b)} | {"all_time"}


def _metrics(badges: Sequence[Badge]) -> set[str]:
    return {c.metric for b in badges for c in _criteria(b)}


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
        _periods(candidates),
        ref_day,
        metrics=_metrics(candidates),
        counters=counters,
        days=days,
        timezone=timezone,
    )
    earned: list[Badge] = []
    rows: list[ledger.Booked] = []
    for badge in candidates:
        if not all_met(progress(_criteria(badge), by_period)):
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


def revoke_unmet(session: Session, member: Member, ref_day: date, now: datetime) -> list[Badge]:
    """Take back badges whose criteria no longer hold (after a deletion), with their bonus.

    A badge is judged in the period it was earned in (the day of the log that earned it,
    else the local day of the award): October's "1 share this month" stays earned in
    November. A badge a completed challenge awarded stays with the completion.
    """
    from_challenge = (
        select(Challenge.badge_id)
        .join(ChallengeParticipant, ChallengeParticipant.challenge_id == Challenge.id)
        .where(
            ChallengeParticipant.member_id == member.id,
            ChallengeParticipant.completed_at.is_not(None),
            Challenge.badge_id.is_not(None),
        )
    )
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
        periodic = any(c.period != "all_time" for c in _criteria(badge))
        judged_on[badge.id or 0] = (
            (read_on or local_date(awarded_at, timezone)) if periodic else ref_day
        )
    by_day: dict[date, dict[str, Stats]] = {}
    for day in set(judged_on.values()):
        on_day = [b for b in held if judged_on[b.id or 0] == day]
        by_day[day] = stats.badge_stats(session, member, _periods(on_day), day, timezone=timezone)
    unmet = [b for b in held if not all_met(progress(_criteria(b), by_day[judged_on[b.id or 0]]))]
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
    return revoked


def member_badges(session: Session, member: Member, today: date, language: str) -> MemberBadges:
    badges = catalogue(session, member.library_id or 0)
    awards = {
        a.badge_id: a
        for a in session.execute(
            select(BadgeAward).where(BadgeAward.member_id == member.id)
        ).scalars()
    }
    by_period = stats.badge_stats(session, member, _periods(badges), today)
    earned: list[MemberBadge] = []
    locked: list[MemberBadge] = []
    for badge in badges:
        prog = progress(_criteria(badge), by_period)
        out = [
            CriterionProgressOut(
                metric=p.metric,
                period=p.period,
                target=p.target,
                current=p.current,
                met=p.met,
                label=progress_label(
                    p.metric, p.current, p.target, "en" if language == "en" else "id"
                ),
            )
            for p in prog
        ]
        award = awards.get(badge.id or 0)
        entry = MemberBadge(
            badge=public(badge),
            earned=award is not None,
            earned_at=award.awarded_at if award else None,
            progress=out,
        )
        (earned if award else locked).append(entry)
    return MemberBadges(earned=earned, locked=locked)


DEMO_BADGES = (
    (
        "Buku Pertama",
        "Selesaikan buku pertamamu.",
        "book",
        "#2E86DE",
        [{"metric": "books_finished", "target": 1}],
        10,
    ),
    (
        "Kutu Buku",
        "Selesaikan 10 buku.",
        "crown",
        "#8E44AD",
        [{"metric": "books_finished", "target": 10}],
        50,
    ),
    (
        "Pembaca Setia",
        "Membaca 7 hari berturut-turut.",
        "flame",
        "#E67E22",
        [{"metric": "streak_days", "target": 7}],
        30,
    ),
    (
        "Penjelajah Genre",
        "Membaca buku dari 5 genre berbeda.",
        "compass",
        "#16A085",
        [{"metric": "genres", "target": 5}],
        30,
    ),
)


def ensure_demo_badges(session: Session, lib: Library, now: datetime) -> None:
    have = {b.name for b in catalogue(session, lib.id or 0)}
    for name, description, icon, color, criteria, bonus in DEMO_BADGES:
        if name not in have:
            session.add(
                Badge(
                    library_id=lib.id or 0,
                    name=name,
                    description=description,
                    icon=icon,
                    color=color,
                    criteria=criteria,
                    bonus_points=bonus,
                    created_at=now,
                )
            )
    session.flush()


def met_badges(
    session: Session, member: MemberLike, candidates: Sequence[Badge], ref_day: date
) -> list[Badge]:
    """Those of `candidates` whose every criterion holds over the periods holding `ref_day`."""
    if not candidates:
        return []
    by_period = stats.badge_stats(
        session, member, _periods(candidates), ref_day, metrics=_metrics(candidates)
    )
    return [b for b in candidates if all_met(progress(_criteria(b), by_period))]
