"""Badges: the catalogue (defining badges, their public shapes, the demo's), the library's
rules they are judged by, and a member's badges with their progress.

Awarding and revoking is `badge_awards.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core.db import lock_library
from app.core.problems import Problem, conflict, not_found, unprocessable
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
from app.models.library import Library, ScoringSettings
from app.models.member import Member
from app.models.reading import BadgeBrief
from app.scoring import Criterion, Rules, badge_unreachable_reason, progress, progress_label
from app.services import badge_awards, stats


def rules_of(lib: Library) -> Rules:
    return rules_from(lib.scoring)


def rules_from(scoring: Mapping[str, Any]) -> Rules:
    """A library's rules from its `scoring` settings."""
    return _rules(tuple(sorted(scoring.items())))


@lru_cache(maxsize=256)
def _rules(items: tuple[tuple[str, Any], ...]) -> Rules:
    # Validated once per distinct settings: the reading path asks on every log.
    return Rules.from_mapping(ScoringSettings(**dict(items)).model_dump())


def earned_award(session: Session, member: Member, badge_id: int) -> tuple[Badge, BadgeAward]:
    """The badge `badge_id` and `member`'s award of it; 404 unless they earned it."""
    row = session.execute(
        select(Badge, BadgeAward)
        .join(BadgeAward, BadgeAward.badge_id == Badge.id)
        .where(BadgeAward.member_id == member.id, Badge.id == badge_id)
    ).first()
    if row is None:
        raise not_found("An earned badge with this id")
    return row[0], row[1]


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
    badge_awards.award_to_those_who_meet(session, lib, badge, now)
    return badge


def _name_taken() -> Problem:
    return conflict("This library already has a badge with that name.", "already-taken")


def member_badges(session: Session, member: Member, today: date, language: str) -> MemberBadges:
    badges = catalogue(session, member.library_id or 0)
    awards = {
        a.badge_id: a
        for a in session.execute(
            select(BadgeAward).where(BadgeAward.member_id == member.id)
        ).scalars()
    }
    by_period = stats.badge_stats(session, member, badge_awards.periods_of(badges), today)
    earned: list[MemberBadge] = []
    locked: list[MemberBadge] = []
    for badge in badges:
        prog = progress(badge_awards.criteria_of(badge), by_period)
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
