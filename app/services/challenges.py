"""Challenges: staff create them; members join (or join by hashtag); progress and completion."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, delete, func, select, update
from sqlmodel import Session

from app.core.clock import local_date
from app.core.db import insert_ignore, lock_library, lock_member
from app.core.hashtags import hashtag_key
from app.core.hotsql import HotSql
from app.core.pagination import decode_cursor, paginate
from app.core.problems import Problem, conflict, forbidden, not_found, unprocessable
from app.models.badge import Badge
from app.models.challenge import (
    Challenge,
    ChallengeCreate,
    ChallengeParticipant,
    ChallengePublic,
    ChallengeUpdate,
    MyProgress,
    ParticipantRow,
)
from app.models.library import Library
from app.models.member import Member, MemberLike, age_group
from app.models.reading import ReadingLog
from app.models.types import UtcDateTime
from app.scoring import Rules, challenge_unreachable_reason
from app.scoring.badges import progress_label

GOAL_METRIC = {"books": "books_finished", "pages": "pages", "minutes": "minutes"}


def status_of(ch: Challenge, today: date) -> str:
    if today < ch.starts_on:
        return "upcoming"
    if today > ch.ends_on:
        return "past"
    return "active"


def _is_staff_of(member: Member, library_id: int) -> bool:
    return member.role == "admin" or (member.role == "staff" and member.library_id == library_id)


def visible(session: Session, member: Member, challenge_id: int) -> Challenge:
    """A challenge the caller may see: their library's, and drafts only for its staff."""
    ch = session.get(Challenge, challenge_id)
    if ch is None or ch.deleted_at is not None:
        raise not_found("Challenge")
    if member.role != "admin" and ch.library_id != member.library_id:
        raise not_found("Challenge")
    if not ch.published and not _is_staff_of(member, ch.library_id):
        raise not_found("Challenge")
    return ch


def editable(session: Session, staff: Member, challenge_id: int) -> Challenge:
    ch = visible(session, staff, challenge_id)
    if not _is_staff_of(staff, ch.library_id):
        raise forbidden("Only this library's staff may change its challenges.")
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
        raise conflict(
            f"{tag} is already the hashtag of a challenge of this library in those dates.",
            "hashtag-taken",
        )


def _check_reachable(goal: str, target: int, start: date, end: date, rules: Rules) -> None:
    reason = challenge_unreachable_reason(goal, target, (end - start).days + 1, rules)
    if reason:
        raise unprocessable(
            f"No member could reach this target: {reason}.", field="target", slug="unreachable"
        )


def _check_badge(session: Session, library_id: int, badge_id: int | None) -> None:
    if badge_id is None:
        return
    badge = session.get(Badge, badge_id)
    if badge is None or badge.library_id != library_id:
        raise unprocessable("That badge is not in this library's catalogue.", field="badge_id")


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
        raise unprocessable("The challenge would already be over.", field="ends_on")
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
            raise unprocessable(f"{key} cannot be null.", field=key)
    started = today >= ch.starts_on
    old_target = ch.target
    start = changes.get("starts_on", ch.starts_on)
    end = changes.get("ends_on", ch.ends_on)
    goal = changes.get("goal", ch.goal)
    target = changes.get("target", ch.target)
    if started:
        if "starts_on" in changes and start != ch.starts_on:
            raise conflict("A challenge that has started keeps its start date.", "started")
        if goal != ch.goal or target > ch.target:
            raise conflict("A challenge that has started cannot be made harder.", "started")
        if end < ch.ends_on and end < today:
            raise unprocessable(
                "A challenge can be ended early today at the soonest.", field="ends_on"
            )
        if "hashtag" in changes and hashtag_key(changes["hashtag"]) != ch.hashtag_key:
            raise conflict("A challenge that has started keeps its hashtag.", "started")
    if end < start:
        raise unprocessable("ends_on is before starts_on.", field="ends_on")
    if (end - start).days + 1 > 366:
        raise unprocessable("A challenge lasts at most 366 days.", field="ends_on")
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
    from app.challenges.progress import settle_progress  # it reads this module's recounts

    done = 0
    for member in waiting:
        lock_member(session, member.id or 0)
        progress, _ = settle_progress(session, member, min(today, ch.ends_on), now, [ch])
        done += sum(1 for p in progress if p.completed_now)
    return done


def delete_challenge(session: Session, ch: Challenge, today: date, now: datetime) -> None:
    if today >= ch.starts_on:
        raise conflict(
            "A challenge that has started cannot be deleted; end it early instead "
            "(PATCH ends_on to today).",
            "started",
        )
    ch.deleted_at = now
    session.add(ch)
    session.execute(delete(ChallengeParticipant).where(ChallengeParticipant.challenge_id == ch.id))
    session.flush()


def _participants(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return {
        cid: int(n)
        for cid, n in session.execute(
            select(ChallengeParticipant.challenge_id, func.count())
            .where(ChallengeParticipant.challenge_id.in_(ids))
            .group_by(ChallengeParticipant.challenge_id)
        )
    }


# A member's counted reading inside a challenge's window, in its goal unit: one text
# for reading it (`progress_value`) and for storing it (`settle_progress`).
_PROGRESS_SQL = """
    SELECT {measure} FROM reading_log
    WHERE member_id = :member_id AND status = 'accepted' AND deleted_at IS NULL
        AND read_on BETWEEN :starts_on AND :ends_on
"""
_MEASURES = {
    "pages": "COALESCE(SUM(pages), 0)",
    "minutes": "COALESCE(SUM(minutes), 0)",
    "books": "COUNT(DISTINCT CASE WHEN finished THEN book_id END)",
}
_WINDOW = {"starts_on": Date(), "ends_on": Date()}
_PROGRESS = {
    goal: HotSql(_PROGRESS_SQL.format(measure=measure), binds=_WINDOW)
    for goal, measure in _MEASURES.items()
}
# The same, stored on the member's participation and read back in one statement.
_RECOUNT_SQL = """
    UPDATE challenge_participant SET progress = ({progress})
    WHERE challenge_id = :challenge_id AND member_id = :member_id
    RETURNING progress, completed_at
"""
_RECOUNT = {
    goal: HotSql(
        _RECOUNT_SQL.format(progress=_PROGRESS_SQL.format(measure=measure)),
        binds=_WINDOW,
        results=(None, UtcDateTime()),
    )
    for goal, measure in _MEASURES.items()
}


def _window_of(member_id: int, ch: Challenge) -> dict[str, object]:
    return {
        "challenge_id": ch.id,
        "member_id": member_id,
        "starts_on": ch.starts_on,
        "ends_on": ch.ends_on,
    }


def progress_value(session: Session, member_id: int, ch: Challenge) -> int:
    """The member's counted reading inside the window, in the challenge's goal unit."""
    return int(_PROGRESS[ch.goal].one(session, _window_of(member_id, ch))[0])


def _my_progress(
    ch: Challenge, part: ChallengeParticipant | None, current: int, language: str
) -> MyProgress:
    return MyProgress(
        joined=part is not None,
        current=current,
        target=ch.target,
        percent=min(100, current * 100 // ch.target),
        completed=part is not None and part.completed_at is not None,
        completed_at=part.completed_at if part else None,
        label=progress_label(
            GOAL_METRIC[ch.goal],
            min(current, ch.target),
            ch.target,
            "en" if language == "en" else "id",
        ),
    )


def public(
    session: Session,
    ch: Challenge,
    lib: Library,
    today: date,
    member: Member | None,
    participants: int | None = None,
) -> ChallengePublic:
    me = None
    if member is not None:
        part = session.get(ChallengeParticipant, (ch.id, member.id))
        if part is not None:
            me = _my_progress(ch, part, part.progress, member.language)
    return ChallengePublic(
        id=ch.id or 0,
        library=lib.slug,
        title=ch.title,
        description=ch.description,
        hashtag=ch.hashtag,
        starts_on=ch.starts_on,
        ends_on=ch.ends_on,
        status=status_of(ch, today),
        goal=ch.goal,
        target=ch.target,
        age_groups=list(ch.age_groups),
        bonus_points=ch.bonus_points,
        badge_id=ch.badge_id,
        published=ch.published,
        ended_early=ch.ended_early,
        participants=participants
        if participants is not None
        else _participants(session, [ch.id or 0]).get(ch.id or 0, 0),
        me=me,
    )


def list_for(
    session: Session,
    member: Member,
    lib: Library,
    status: str | None,
    today: date,
    limit: int,
    cursor: str | None,
) -> tuple[list[ChallengePublic], str | None]:
    after = decode_cursor(cursor, {"id": int})
    stmt = (
        select(Challenge)
        .where(Challenge.library_id == lib.id, Challenge.deleted_at.is_(None))
        .order_by(Challenge.id)
        .limit(limit + 1)
    )
    if not _is_staff_of(member, lib.id or 0):
        stmt = stmt.where(Challenge.published.is_(True))
    if status == "active":
        stmt = stmt.where(Challenge.starts_on <= today, Challenge.ends_on >= today)
    elif status == "upcoming":
        stmt = stmt.where(Challenge.starts_on > today)
    elif status == "past":
        stmt = stmt.where(Challenge.ends_on < today)
    if after:
        stmt = stmt.where(Challenge.id > after["id"])
    page, nxt = paginate(list(session.execute(stmt).scalars()), limit, lambda c: {"id": c.id or 0})
    counts = _participants(session, [c.id or 0 for c in page])
    return [public(session, c, lib, today, member, counts.get(c.id or 0, 0)) for c in page], nxt


def _eligible(ch: Challenge, member: MemberLike, year: int) -> bool:
    return age_group(member.birth_year, year) in ch.age_groups


def join(
    session: Session,
    member: Member,
    ch: Challenge,
    today: date,
    now: datetime,
    via: str = "app",
) -> ChallengeParticipant:
    if not ch.published:
        raise not_found("Challenge")
    if today > ch.ends_on:
        raise conflict("This challenge is over.", "challenge-over")
    if not _eligible(ch, member, today.year):
        raise forbidden(
            f"This challenge is for {', '.join(ch.age_groups)}; "
            f"you are in {age_group(member.birth_year, today.year)}."
        )
    insert_ignore(
        session,
        ChallengeParticipant.__table__,
        {
            "challenge_id": ch.id,
            "member_id": member.id,
            "joined_at": now,
            "joined_via": via,
            "progress": 0,
        },
    )
    part = session.get(ChallengeParticipant, (ch.id, member.id))
    assert part is not None
    if part.progress == 0:
        session.execute(
            update(ChallengeParticipant)
            .where(
                ChallengeParticipant.challenge_id == ch.id,
                ChallengeParticipant.member_id == member.id,
            )
            .values(progress=progress_value(session, member.id or 0, ch))
        )
        session.refresh(part)
    return part


def leave(session: Session, member: Member, ch: Challenge) -> None:
    # Under the member's lock a completion cannot land between the check and the delete.
    lock_member(session, member.id or 0)
    part = session.get(ChallengeParticipant, (ch.id, member.id), populate_existing=True)
    if part is None:
        raise not_found("Participation")
    if part.completed_at is not None:
        raise conflict("A completed challenge stays on your record.", "completed")
    session.delete(part)
    session.flush()


def my_progress(session: Session, member: Member, ch: Challenge) -> MyProgress:
    part = session.get(ChallengeParticipant, (ch.id, member.id))
    current = part.progress if part else progress_value(session, member.id or 0, ch)
    return _my_progress(ch, part, current, member.language)


def participants(
    session: Session, ch: Challenge, year: int, limit: int, cursor: str | None
) -> tuple[list[ParticipantRow], str | None]:
    after = decode_cursor(cursor, {"id": int})
    flagged = (
        select(func.count())
        .where(
            ReadingLog.member_id == ChallengeParticipant.member_id,
            ReadingLog.status == "pending_review",
            ReadingLog.deleted_at.is_(None),
            ReadingLog.read_on.between(ch.starts_on, ch.ends_on),
        )
        .correlate(ChallengeParticipant)
        .scalar_subquery()
    )
    stmt = (
        select(ChallengeParticipant, Member, flagged)
        .join(Member, Member.id == ChallengeParticipant.member_id)
        .where(ChallengeParticipant.challenge_id == ch.id)
        .order_by(ChallengeParticipant.member_id)
        .limit(limit + 1)
    )
    if after:
        stmt = stmt.where(ChallengeParticipant.member_id > after["id"])
    page, nxt = paginate(list(session.execute(stmt).all()), limit, lambda r: {"id": r[1].id or 0})
    out = [
        ParticipantRow(
            member_id=m.id or 0,
            name=m.public_name() if m.is_child else m.display_name,
            is_child=m.is_child,
            age_group=age_group(m.birth_year, year),
            joined_at=p.joined_at,
            joined_via=p.joined_via,
            progress=p.progress,
            completed_at=p.completed_at,
            flagged_logs=int(n),
        )
        for p, m, n in page
    ]
    return out, nxt


def ensure(session: Session, library_id: int) -> Library:
    lib = session.get(Library, library_id)
    if lib is None:
        raise Problem(409, "no-library", "This account does not belong to a library.")
    return lib
