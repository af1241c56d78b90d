"""Staff run challenges: create, edit, delete, and completing those a lowered target reached."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from app.challenges.progress import settle_progress
from app.challenges.views import is_staff_of, visible
from app.core.clock import local_date
from app.core.db import lock_library, lock_member
from app.core.hashtags import hashtag_key
from app.core.problems import problem
from app.models.badge import Badge
from app.models.challenge import Challenge, ChallengeCreate, ChallengeParticipant, ChallengeUpdate
from app.models.library import Library
from app.models.member import Member
from app.scoring import Rules, challenge_unreachable_reason


def editable(session: Session, staff: Member, challenge_id: int) -> Challenge:
    ch = visible(session, staff, challenge_id)
    if not is_staff_of(staff, ch.library_id):
        raise problem("challenge.staff-only")
    return ch


def _check_hashtag_free(
    session: Session, library_id: int, tag: str, start: date, end: date, exclude: int | None
) -> None:
    stmt = select(Challenge.id).where(
        Challenge.library_id == library_id,
        Challenge.hashtag_key == hashtag_key(tag),
        Challenge.deleted_at.is_(None),
        Challenge.starts_on <= end,
        Challenge.ends_on >= start,
    )
    if exclude is not None:
        stmt = stmt.where(Challenge.id != exclude)
    if session.execute(stmt).first():
        raise problem("challenge.hashtag-taken", tag=tag)


def _check_reachable(goal: str, target: int, start: date, end: date, rules: Rules) -> None:
    reason = challenge_unreachable_reason(goal, target, (end - start).days + 1, rules)
    if reason:
        raise problem("challenge.unreachable", reason=reason)


def _check_badge(session: Session, library_id: int, badge_id: int | None) -> None:
    if badge_id is None:
        return
    badge = session.get(Badge, badge_id)
    if badge is None or badge.library_id != library_id:
        raise problem("challenge.badge-elsewhere")


def create(
    session: Session,
    staff: Member,
    lib: Library,
    data: ChallengeCreate,
    rules: Rules,
    now: datetime,
) -> Challenge:
    today = local_date(now, lib.timezone)
    if data.ends_on < today:
        raise problem("challenge.already-over")
    _check_reachable(data.goal, data.target, data.starts_on, data.ends_on, rules)
    _check_badge(session, lib.id or 0, data.badge_id)
    lock_library(session, lib.id or 0)  # the hashtag check and the insert, as one step
    _check_hashtag_free(session, lib.id or 0, data.hashtag, data.starts_on, data.ends_on, None)
    ch = Challenge(
        library_id=lib.id or 0,
        title=data.title,
        description=data.description,
        hashtag=data.hashtag,
        hashtag_key=hashtag_key(data.hashtag),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        goal=data.goal,
        target=data.target,
        age_groups=list(data.age_groups),
        bonus_points=data.bonus_points,
        badge_id=data.badge_id,
        published=data.published,
        created_by=staff.id or 0,
        created_at=now,
    )
    session.add(ch)
    session.flush()
    return ch


def update_challenge(
    session: Session,
    ch: Challenge,
    data: ChallengeUpdate,
    rules: Rules,
    today: date,
    now: datetime | None = None,
) -> Challenge:
    """Apply a staff edit. A target lowered below members' progress completes them at
    once (`now`: when), with their bonus, in the edit's transaction."""
    changes = data.model_dump(exclude_unset=True)
    for key in (
        "title",
        "hashtag",
        "starts_on",
        "ends_on",
        "goal",
        "target",
        "age_groups",
        "bonus_points",
        "published",
        "description",
    ):
        if key in changes and changes[key] is None:
            raise problem("request.field-null", at=key, field=key)
    started = today >= ch.starts_on
    old_target = ch.target
    start = changes.get("starts_on", ch.starts_on)
    end = changes.get("ends_on", ch.ends_on)
    goal = changes.get("goal", ch.goal)
    target = changes.get("target", ch.target)
    if started:
        if "starts_on" in changes and start != ch.starts_on:
            raise problem("challenge.started-keeps-start")
        if goal != ch.goal or target > ch.target:
            raise problem("challenge.started-not-harder")
        if end < ch.ends_on and end < today:
            raise problem("challenge.end-early-today")
        if "hashtag" in changes and hashtag_key(changes["hashtag"]) != ch.hashtag_key:
            raise problem("challenge.started-keeps-hashtag")
    if end < start:
        raise problem("challenge.ends-before-start", ends_on=end, starts_on=start)
    if (end - start).days + 1 > 366:
        raise problem("challenge.too-long")
    _check_reachable(goal, target, start, end, rules)
    _check_badge(session, ch.library_id, changes.get("badge_id", ch.badge_id))
    tag = changes.get("hashtag", ch.hashtag)
    lock_library(session, ch.library_id)
    _check_hashtag_free(session, ch.library_id, tag, start, end, ch.id)
    if started and end < ch.ends_on:
        ch.ended_early = True
    for key, value in changes.items():
        setattr(ch, key, value)
    ch.hashtag_key = hashtag_key(ch.hashtag)
    if "age_groups" in changes:
        ch.age_groups = sorted(set(changes["age_groups"]))
    lowered = ch.target < old_target
    session.add(ch)
    session.flush()
    if lowered and now is not None and today >= ch.starts_on:
        complete_those_past(session, ch, today, now)
    return ch


def complete_those_past(session: Session, ch: Challenge, today: date, now: datetime) -> int:
    """Complete, with their bonus, every participant whose progress reaches the target
    (after it was lowered); returns how many."""
    waiting = list(
        session.execute(
            select(Member)
            .join(ChallengeParticipant, ChallengeParticipant.member_id == Member.id)
            .where(
                ChallengeParticipant.challenge_id == ch.id,
                ChallengeParticipant.completed_at.is_(None),
            )
            .order_by(Member.id)
        ).scalars()
    )
    done = 0
    for member in waiting:
        lock_member(session, member.id or 0)
        progress, _ = settle_progress(session, member, min(today, ch.ends_on), now, [ch])
        done += sum(1 for p in progress if p.completed_now)
    return done


def delete_challenge(session: Session, ch: Challenge, today: date, now: datetime) -> None:
    if today >= ch.starts_on:
        raise problem("challenge.started-not-deleted")
    ch.deleted_at = now
    session.add(ch)
    session.execute(delete(ChallengeParticipant).where(ChallengeParticipant.challenge_id == ch.id))
    session.flush()
