"""A library's re-settlement under its rules, with its dry run first: `preview` (changes
nothing) and `apply` (books it).

Each member's log rows are re-settled by `app.services.resettle`; here are the library's
figures around it: points gained and lost, badges and challenge completions the counted
logs call for or no longer reach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from app.challenges import progress
from app.challenges import progress as challenge_progress
from app.core.clock import Clock, local_date
from app.core.db import lock_member
from app.models.badge import Badge, BadgeAward
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library, ScoringSettings
from app.models.member import Member
from app.models.reading import LedgerEntry, ReadingLog
from app.models.rescore import BadgeChange, CompletionChange, MemberPointsChange, RescorePreview
from app.scoring import ACCEPTED, Award, CountedLog, Rules, reconcile, replay
from app.services import badge_awards, badges, ledger
from app.services.resettle import LOG_CODES, resettle

TOP = 10  # members listed among the largest gains and losses


@dataclass(frozen=True, slots=True)
class _Facts:
    """A library's members with what their logs earned and what the ledger booked."""

    members: list[Member]
    logs: dict[int, list[CountedLog]]  # member id -> counted logs, in counted order
    booked: dict[int, dict[int, list[Award]]]  # member id -> log id -> rows booked
    totals: dict[int, int]


def _facts(session: Session, library_id: int) -> _Facts:
    members = list(
        session.execute(
            select(Member).where(Member.library_id == library_id).order_by(Member.id)
        ).scalars()
    )
    in_library = select(Member.id).where(Member.library_id == library_id)
    logs: dict[int, list[CountedLog]] = defaultdict(list)
    for row in session.execute(
        select(
            ReadingLog.member_id,
            ReadingLog.id,
            ReadingLog.read_on,
            ReadingLog.pages,
            ReadingLog.minutes,
            ReadingLog.finished,
            ReadingLog.book_id,
            ReadingLog.multiplier,
        )
        .where(
            ReadingLog.member_id.in_(in_library),
            ReadingLog.status == ACCEPTED,
            ReadingLog.deleted_at.is_(None),
        )
        # the order `counted_logs` reads, so the dry run replays what `resettle` will
        .order_by(ReadingLog.member_id, ReadingLog.counted_at, ReadingLog.id)
    ):
        member_id, *fields = row
        logs[member_id].append(CountedLog(*fields))
    booked: dict[int, dict[int, list[Award]]] = defaultdict(lambda: defaultdict(list))
    for member_id, log_id, code, amount in session.execute(
        select(
            LedgerEntry.member_id,
            LedgerEntry.log_id,
            LedgerEntry.rule_code,
            func.sum(LedgerEntry.amount),
        )
        .where(
            LedgerEntry.member_id.in_(in_library),
            LedgerEntry.log_id.is_not(None),
            LedgerEntry.rule_code.in_(LOG_CODES),
        )
        .group_by(LedgerEntry.member_id, LedgerEntry.log_id, LedgerEntry.rule_code)
    ):
        booked[member_id][int(log_id)].append(Award(code, int(amount)))
    return _Facts(members, logs, booked, {m.id or 0: m.points_total for m in members})


def _name(member: Member) -> str:
    # staff see adults by name; a child only ever by nickname
    return member.public_name() if member.is_child else member.display_name


def _badge_changes(
    session: Session, member: Member, catalogue: list[Badge], today: date, timezone: str
) -> tuple[list[Badge], list[Badge]]:
    """Badges the member's figures call for but they lack, and badges held whose
    criteria did not hold on the day they were awarded (a challenge's badge is kept)."""
    awards = {
        a.badge_id: a.awarded_at
        for a in session.execute(
            select(BadgeAward).where(BadgeAward.member_id == member.id)
        ).scalars()
    }
    from_challenges = set(
        session.execute(badge_awards.challenge_badge_ids(member.id or 0)).scalars()
    )
    earned = badge_awards.met_badges(
        session, member, [b for b in catalogue if b.id not in awards], today
    )
    held_on: dict[date, list[Badge]] = defaultdict(list)
    for badge in catalogue:
        if badge.id in awards and badge.id not in from_challenges:
            held_on[local_date(awards[badge.id or 0], timezone)].append(badge)
    lost = []
    for day, held in sorted(held_on.items()):
        kept = {b.id for b in badge_awards.met_badges(session, member, held, day)}
        lost += [b for b in held if b.id not in kept]
    return earned, lost


def _completion_changes(
    session: Session, member: Member, joined: Joined
) -> tuple[list[CompletionChange], list[CompletionChange]]:
    """Joined challenges the member's counted logs complete but are not recorded as
    completed, and recorded completions the logs no longer reach."""
    done: list[CompletionChange] = []
    undone: list[CompletionChange] = []
    for ch, part in joined:
        value = progress.progress_value(session, member.id or 0, ch)
        change = CompletionChange(
            member_id=member.id or 0,
            name=_name(member),
            challenge_id=ch.id or 0,
            challenge_title=ch.title,
            progress=value,
            target=ch.target,
            bonus=ch.bonus_points,
        )
        if value >= ch.target and part.completed_at is None:
            done.append(change)
        elif value < ch.target and part.completed_at is not None:
            undone.append(change)
    return done, undone


Joined = list[tuple[Challenge, ChallengeParticipant]]


def _joined(session: Session, library_id: int, member_id: int | None = None) -> dict[int, Joined]:
    """Per member, the library's (not deleted) challenges they joined."""
    stmt = (
        select(Challenge, ChallengeParticipant)
        .join(ChallengeParticipant, ChallengeParticipant.challenge_id == Challenge.id)
        .where(Challenge.library_id == library_id, Challenge.deleted_at.is_(None))
        .order_by(ChallengeParticipant.member_id, Challenge.id)
    )
    if member_id is not None:
        stmt = stmt.where(ChallengeParticipant.member_id == member_id)
    out: dict[int, Joined] = defaultdict(list)
    for ch, part in session.execute(stmt).all():
        out[part.member_id].append((ch, part))
    return out


def _result(
    lib: Library,
    rules: Rules,
    applied: bool,
    changes: list[MemberPointsChange],
    rows: int,
    checked: int,
    earned: list[BadgeChange],
    lost: list[BadgeChange],
    done: list[CompletionChange],
    undone: list[CompletionChange],
) -> RescorePreview:
    gains = sorted((c for c in changes if c.change > 0), key=lambda c: (-c.change, c.member_id))
    losses = sorted((c for c in changes if c.change < 0), key=lambda c: (c.change, c.member_id))
    return RescorePreview(
        library=lib.slug,
        scoring=ScoringSettings(**rules.to_dict()),
        applied=applied,
        members_checked=checked,
        members_gaining=len(gains),
        members_losing=len(losses),
        points_change=sum(c.change for c in changes),
        rows=rows,
        top_gains=gains[:TOP],
        top_losses=losses[:TOP],
        badges_earned=earned,
        badges_lost=lost,
        challenges_completed=done,
        challenges_uncompleted=undone,
    )


def _badge_change(member: Member, badge: Badge) -> BadgeChange:
    return BadgeChange(
        member_id=member.id or 0, name=_name(member), badge_id=badge.id or 0, badge_name=badge.name
    )


def preview(
    session: Session, library: Library, rules: Rules, now: datetime | None = None
) -> RescorePreview:
    """`preview(session, library, rules) -> RescorePreview`: what re-settling `library`
    under `rules` (its saved rules, or proposed ones) would change; changes nothing.

    Points come from the pure engine's `replay` of every member's counted logs, against
    the rows their logs booked (exactly what `apply` would book): how many members gain
    or lose and by how much (the largest `TOP` each way). Badge and challenge goals count
    reading, not points, so rules never move them; listed are the awards the members'
    counted logs call for and the ledger lacks, or holds without them (a badge created
    after a member met it, a target lowered below their progress). `now` defaults to
    the wall clock and sets "today" for badge criteria.
    """
    now = now or Clock().now()
    today = local_date(now, library.timezone)
    facts = _facts(session, library.id or 0)
    catalogue = badges.catalogue(session, library.id or 0)
    joined = _joined(session, library.id or 0)
    changes: list[MemberPointsChange] = []
    earned: list[BadgeChange] = []
    lost: list[BadgeChange] = []
    done: list[CompletionChange] = []
    undone: list[CompletionChange] = []
    rows = 0
    for member in facts.members:
        member_id = member.id or 0
        fixes = reconcile(facts.booked.get(member_id, {}), replay(facts.logs[member_id], rules))
        change = sum(a.amount for awards in fixes.values() for a in awards)
        rows += sum(len(awards) for awards in fixes.values())
        gets, loses = _badge_changes(session, member, catalogue, today, library.timezone)
        more, fewer = _completion_changes(session, member, joined.get(member_id, []))
        # the bonuses those awards book or reverse
        change += sum(b.bonus_points for b in gets) - sum(b.bonus_points for b in loses)
        change += sum(c.bonus for c in more) - sum(c.bonus for c in fewer)
        if change:
            before = facts.totals[member_id]
            changes.append(
                MemberPointsChange(
                    member_id=member_id,
                    name=_name(member),
                    total_before=before,
                    total_after=before + change,
                    change=change,
                )
            )
        earned += [_badge_change(member, b) for b in gets]
        lost += [_badge_change(member, b) for b in loses]
        done += more
        undone += fewer
    return _result(
        library, rules, False, changes, rows, len(facts.members), earned, lost, done, undone
    )


def apply(session: Session, library: Library, now: datetime) -> RescorePreview:
    """Re-settle `library` under its saved rules and say what changed (the shape of
    `preview`, with `applied` true): every member's log rows and reading figures are
    brought to what replay says (`resettle`, idempotent), challenge completions and
    badges to what the counted logs call for, each with its bonus booked or reversed.

    Each member's row lock is held until the transaction ends; running it twice books
    nothing the second time.
    """
    rules = badges.rules_of(library)
    today = local_date(now, library.timezone)
    ids = list(
        session.execute(
            select(Member.id).where(Member.library_id == library.id).order_by(Member.id)
        ).scalars()
    )
    catalogue = badges.catalogue(session, library.id or 0)
    changes: list[MemberPointsChange] = []
    earned: list[BadgeChange] = []
    lost: list[BadgeChange] = []
    done: list[CompletionChange] = []
    undone: list[CompletionChange] = []
    rows = 0
    for member_id in ids:
        lock_member(session, member_id)
        member = session.get(Member, member_id, populate_existing=True)
        assert member is not None
        before = member.points_total
        rows += resettle(session, member, rules, now)
        joined = _joined(session, library.id or 0, member_id).get(member_id, [])
        more, fewer = _completion_changes(session, member, joined)
        if more or fewer:
            challenge_progress.settle_progress(
                session, member, today, now, [ch for ch, _ in joined]
            )
        done += more
        undone += fewer
        gets, loses = _badge_changes(session, member, catalogue, today, library.timezone)
        if loses:
            badge_awards.revoke(session, member, loses, today, now)
        if gets:
            badge_awards.award_earned(session, member, today, now, candidates=gets)
        earned += [_badge_change(member, b) for b in gets]
        lost += [_badge_change(member, b) for b in loses]
        after = ledger.totals(session, member_id).total
        if after != before:
            changes.append(
                MemberPointsChange(
                    member_id=member_id,
                    name=_name(member),
                    total_before=before,
                    total_after=after,
                    change=after - before,
                )
            )
    return _result(library, rules, True, changes, rows, len(ids), earned, lost, done, undone)
