"""Sharing achievements: build per-platform payloads, serve landing pages and cards."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from app.accounts import consent
from app.core.clock import local_date
from app.core.config import Settings
from app.core.db import insert_ignore, transaction
from app.core.problems import not_found, problem
from app.core.text import MONTHS_EN, MONTHS_ID
from app.leaderboards.service import leaderboard
from app.models.book import Book
from app.models.challenge import Challenge, ChallengeParticipant
from app.models.library import Library
from app.models.member import Member
from app.models.reading import BadgeBrief, LedgerEntry, MemberDay, ReadingLog
from app.models.share import (
    PayloadOut,
    Share,
    ShareCreate,
    ShareEvent,
    ShareImage,
    ShareImages,
    SharePublic,
    ShareSubject,
)
from app.reading.context import reader_for
from app.services import badge_awards, badges, idempotency
from app.services.members import library_by_id
from app.services.stats import period_bounds
from app.share import ShareContext, build_payloads, render_card


def _base_context(member: Member, lib: Library, language: str) -> dict[str, Any]:
    return {
        # A child is only ever shown by nickname (public_name makes sure).
        "display_name": member.public_name(),
        "library_name": lib.name,
        "language": language,
        "library_hashtags": tuple(lib.hashtags),
        "primary_color": lib.primary_color,
        "accent_color": lib.accent_color,
    }


def _badge_context(session: Session, member: Member, badge_id: int) -> dict[str, Any]:
    badge, _ = badges.earned_award(session, member, badge_id)
    return {"badge_name": badge.name, "badge_icon": badge.icon, "points": badge.bonus_points}


def _challenge_bits(session: Session, challenge_id: int | None) -> dict[str, Any]:
    ch = session.get(Challenge, challenge_id) if challenge_id else None
    if ch is None:
        return {}
    return {"challenge_hashtag": ch.hashtag, "challenge_title": ch.title}


def _log_context(session: Session, member: Member, log_id: int) -> dict[str, Any]:
    log = session.get(ReadingLog, log_id)
    if log is None or log.member_id != member.id or log.deleted_at is not None:
        raise not_found("Reading log")
    if log.status != "accepted":
        raise problem("share.log-not-counted")
    book = session.get(Book, log.book_id)
    assert book is not None
    return {
        "book_title": book.title,
        "book_author": book.author or None,
        "pages": log.pages or None,
        "minutes": log.minutes or None,
        "points": log.points,
        "completed": log.finished,
        **_challenge_bits(session, log.challenge_ids[0] if log.challenge_ids else None),
    }


def _challenge_context(session: Session, member: Member, challenge_id: int) -> dict[str, Any]:
    row = session.execute(
        select(Challenge, ChallengeParticipant)
        .join(ChallengeParticipant, ChallengeParticipant.challenge_id == Challenge.id)
        .where(
            Challenge.id == challenge_id,
            ChallengeParticipant.member_id == member.id,
            Challenge.deleted_at.is_(None),
        )
    ).first()
    if row is None:
        raise not_found("A challenge you joined with this id")
    ch, part = row
    return {
        "challenge_hashtag": ch.hashtag,
        "challenge_title": ch.title,
        "progress_current": min(part.progress, ch.target),
        "progress_target": ch.target,
        "goal_unit": ch.goal,
        "completed": part.completed_at is not None,
        "points": ch.bonus_points if part.completed_at is not None else None,
    }


def _summary_context(
    session: Session, member: Member, month: str | None, today: date, language: str
) -> dict[str, Any]:
    if month:
        year, mon = (int(x) for x in month.split("-"))
        first = date(year, mon, 1)
        if first > today:
            raise problem("share.month-not-begun", month=month)
    else:
        first = today.replace(day=1)
    start, end = period_bounds("month", first)
    books, pages, minutes = session.execute(
        select(
            func.coalesce(func.sum(MemberDay.books_finished), 0),
            func.coalesce(func.sum(MemberDay.pages), 0),
            func.coalesce(func.sum(MemberDay.minutes), 0),
        ).where(MemberDay.member_id == member.id, MemberDay.day.between(start, end))
    ).one()
    points = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member.id, LedgerEntry.day.between(start, end)
        )
    ).scalar_one()
    names = MONTHS_EN if language == "en" else MONTHS_ID
    return {
        "month_label": f"{names[first.month - 1]} {first.year}",
        "total_books": int(books),
        "total_pages": int(pages),
        "total_minutes": int(minutes),
        "points": int(points),
    }


def _rank_context(
    session: Session, member: Member, subject: ShareSubject, now: datetime
) -> dict[str, Any]:
    board = leaderboard(
        session,
        member,
        now,
        scope=subject.scope,
        ident=None,
        period=subject.period,
        age_group=None,
        limit=1,
    )
    if board.me is None or board.me.points <= 0:
        raise problem("share.not-ranked")
    return {"rank": board.me.rank, "period": subject.period, "points": board.me.points}


def build_context(
    session: Session,
    member: Member,
    lib: Library,
    subject: ShareSubject,
    language: str,
    now: datetime,
) -> ShareContext:
    today = local_date(now, lib.timezone)
    fields = _base_context(member, lib, language)
    if subject.type == "badge":
        fields.update(_badge_context(session, member, subject.id or 0))
    elif subject.type == "reading_log":
        fields.update(_log_context(session, member, subject.id or 0))
    elif subject.type == "challenge":
        fields.update(_challenge_context(session, member, subject.id or 0))
    elif subject.type == "monthly_summary":
        fields.update(_summary_context(session, member, subject.month, today, language))
    else:
        fields.update(_rank_context(session, member, subject, now))
    return ShareContext(subject_type=subject.type, **fields)


def _urls(base: str, code: str) -> tuple[str, ShareImages]:
    root = base.rstrip("/")
    images = {f: f"{root}/v1/share/{code}/image?format={f}" for f in ("story", "square", "og")}
    return f"{root}/s/{code}", ShareImages(**images)


def _context_dict(ctx: ShareContext) -> dict[str, Any]:
    data = dataclasses.asdict(ctx)
    data["library_hashtags"] = list(ctx.library_hashtags)
    return data


def context_of(share: Share) -> ShareContext:
    return context_from(share.context)


def context_from(stored: dict[str, Any]) -> ShareContext:
    """A share's frozen context as stored with it."""
    data = dict(stored)
    data["library_hashtags"] = tuple(data.get("library_hashtags", ()))
    return ShareContext(**data)


def create_share(
    session: Session, caller: Member, data: ShareCreate, now: datetime, base_url: str
) -> tuple[SharePublic, list[BadgeBrief]]:
    member = reader_for(session, caller, data.subject.member_id)
    if member.is_child and not consent.has_active(session, member.id or 0):
        # Without a guardian's consent in force a child appears in no public place.
        raise problem("share.no-consent")
    lib = library_by_id(session, member.library_id)
    today = local_date(now, lib.timezone)
    language = data.language or ("en" if member.language == "en" else "id")
    ctx = build_context(session, member, lib, data.subject, language, now)
    code = secrets.token_urlsafe(9)
    landing, images = _urls(base_url, code)
    payloads = build_payloads(ctx, list(data.platforms), landing, images.model_dump())
    share = Share(
        code=code,
        member_id=member.id or 0,
        library_id=lib.id or 0,
        shared_by=caller.id or 0,
        subject_type=data.subject.type,
        subject_id=data.subject.id,
        language=language,
        platforms=list(payloads),
        context=_context_dict(ctx),
        challenge_id=data.subject.id if data.subject.type == "challenge" else None,
        created_at=now,
    )
    session.add(share)
    session.flush()
    session.add_all(
        ShareEvent(
            share_id=share.id or 0,
            library_id=lib.id or 0,
            kind="share",
            platform=p,
            subject_type=share.subject_type,
            day=today,
            created_at=now,
        )
        for p in payloads
    )
    session.execute(
        update(Member).where(Member.id == member.id).values(shares_total=Member.shares_total + 1)
    )
    session.flush()
    earned, _ = badge_awards.award_earned(session, member, today, now, timezone=lib.timezone)
    out = SharePublic(
        id=code,
        url=landing,
        subject_type=share.subject_type,
        language=language,
        images=images,
        payloads={p: PayloadOut(**dataclasses.asdict(v)) for p, v in payloads.items()},
        created_at=now,
    )
    return out, [badges.brief(b) for b in earned]


def find(session: Session, code: str) -> Share | None:
    return session.execute(select(Share).where(Share.code == code)).scalar_one_or_none()


def live(session: Session, code: str) -> Share:
    """The share behind a code: 404 when unknown, 410 once its owner deleted it."""
    share = find(session, code)
    if share is None:
        raise not_found("Share")
    if share.deleted_at is not None:
        raise problem("share.removed")
    return share


def delete_share(session: Session, caller: Member, code: str, now: datetime) -> None:
    share = live(session, code)
    owner = session.get(Member, share.member_id)
    mine = share.member_id == caller.id
    guardian = owner is not None and not caller.is_child and owner.guardian_id == caller.id
    if not (mine or guardian):
        raise not_found("Share")
    share.deleted_at = now
    session.add(share)
    session.flush()


def card(session: Session, share: Share, fmt: str, now: datetime) -> bytes:
    """The share's card in one format: rendered once, then served from storage."""
    cached = session.get(ShareImage, (share.id, fmt))
    if cached is not None:
        return cached.png
    png = render_card(context_of(share), fmt)
    try:
        # Its own short write transaction: image GETs run in read transactions.
        with transaction(session.get_bind()) as writer:
            insert_ignore(
                writer,
                ShareImage.__table__,
                {"share_id": share.id, "format": fmt, "png": png, "created_at": now},
            )
    except (OperationalError, IntegrityError):
        pass  # a busy database only costs the cache, never the image
    return png


def join_url(base_url: str, lib: Library) -> str:
    return f"{base_url.rstrip('/')}/l/{lib.slug}"


def active_challenges(session: Session, lib: Library, today: date) -> list[Challenge]:
    return list(
        session.execute(
            select(Challenge)
            .where(
                Challenge.library_id == lib.id,
                Challenge.deleted_at.is_(None),
                Challenge.published.is_(True),
                Challenge.starts_on <= today,
                Challenge.ends_on >= today,
            )
            .order_by(Challenge.starts_on, Challenge.id)
        ).scalars()
    )


def create_share_once(
    session: Session,
    caller: Member,
    data: ShareCreate,
    now: datetime,
    settings: Settings,
    key: str | None,
) -> tuple[int, dict[str, Any]]:
    """POST /v1/share honouring an Idempotency-Key: a retry neither makes a second share
    nor counts twice towards `shares` badges."""

    def work() -> dict[str, Any]:
        share, earned = create_share(session, caller, data, now, settings.public_base_url)
        return {**share.model_dump(mode="json"), "badges_earned": [b.model_dump() for b in earned]}

    return idempotency.run_once(
        session,
        caller.id or 0,
        key,
        {"share": data.model_dump(mode="json")},
        now,
        settings.idempotency_hours,
        work,
    )
