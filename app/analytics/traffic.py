"""The share funnel's traffic: landing-page views, unique visitors, link-preview crawlers,
clicks through to the join page and registrations carrying a share's code.

Views are counted, not stored one by one: a `share_tally` row per share, local day,
referring platform and kind takes `count = count + 1`, so no script can grow a table
without bound. Unique visitors come from `share_visitor`, a keyed hash of the client's
address and user agent (never the address itself) per share and day, kept two days and
capped at `MAX_VISITORS_PER_DAY` per share and day: beyond the cap, views still count
and visitors stop growing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Date, delete, func, select
from sqlmodel import Session

from app.analytics.schemas import DateRange, Filters, Funnel, PlatformTraffic
from app.analytics.scope import Query, Scope
from app.core.clock import local_date
from app.core.hotsql import HotSql
from app.core.problems import unprocessable
from app.models.analytics import ShareTally, ShareVisitor
from app.models.share import Share, ShareEvent

MAX_VISITORS_PER_DAY = 10_000
VISITOR_DAYS_KEPT = 2

# Link-preview fetchers and bots: they fetch Open Graph tags, they are not people.
CRAWLER = re.compile(
    r"facebookexternalhit|facebot|meta-externalagent|whatsapp|twitterbot|telegrambot|"
    r"slackbot|slack-imgproxy|discordbot|linkedinbot|pinterest|redditbot|skypeuripreview|"
    r"vkshare|embedly|quora link preview|applebot|googlebot|bingbot|yandex|baiduspider|"
    r"duckduckbot|petalbot|bytespider|line/|kakaotalk-scrap|viber|iframely|"
    r"bot\b|crawler|spider|preview|curl/|wget/|python-requests|httpx|go-http-client",
    re.IGNORECASE,
)
# The crawler's platform, for the figures kept apart.
CRAWLER_PLATFORMS = (
    ("facebook", re.compile(r"facebookexternalhit|facebot|meta-externalagent", re.I)),
    ("whatsapp", re.compile(r"whatsapp", re.I)),
    # Telegram's says "like TwitterBot": before X's.
    ("telegram", re.compile(r"telegrambot", re.I)),
    ("x", re.compile(r"twitterbot", re.I)),
    ("slack", re.compile(r"slack", re.I)),
    ("discord", re.compile(r"discordbot", re.I)),
    ("linkedin", re.compile(r"linkedinbot", re.I)),
)
# Where a person came from: the referrer's host, or the link's `utm_source`.
REFERRERS = (
    ("facebook", ("facebook.com", "fb.com", "fb.me", "messenger.com")),
    ("x", ("twitter.com", "t.co", "x.com")),
    ("instagram", ("instagram.com",)),
    ("tiktok", ("tiktok.com",)),
    ("whatsapp", ("whatsapp.com", "wa.me")),
    ("telegram", ("telegram.org", "t.me", "telegram.me")),
    ("threads", ("threads.net", "threads.com")),
)
PLATFORMS = tuple(p for p, _ in REFERRERS)
DIRECT = ""

_BUMP = HotSql(
    "INSERT INTO share_tally (share_id, day, platform, kind, library_id, count)"
    " VALUES (:share_id, :day, :platform, :kind, :library_id, :n)"
    " ON CONFLICT (share_id, day, platform, kind)"
    " DO UPDATE SET count = share_tally.count + excluded.count",
    binds={"day": Date()},
)
_VISITOR = HotSql(
    "INSERT INTO share_visitor (share_id, day, visitor)"
    " SELECT :share_id, :day, :visitor"
    " WHERE (SELECT count(*) FROM share_visitor WHERE share_id = :share_id AND day = :day)"
    " < :cap"
    " ON CONFLICT DO NOTHING RETURNING 1",
    binds={"day": Date()},
)


def crawler_platform(user_agent: str) -> str | None:
    """The platform of a link-preview crawler or bot ('' for another bot); None for a person."""
    if not user_agent or not CRAWLER.search(user_agent):
        return None if user_agent else DIRECT
    for platform, pattern in CRAWLER_PLATFORMS:
        if pattern.search(user_agent):
            return platform
    return DIRECT


def referring_platform(referer: str | None, utm_source: str | None) -> str:
    if utm_source:
        source = utm_source.strip().lower()
        if source in PLATFORMS:
            return source
        if source == "twitter":
            return "x"
    host = (urlsplit(referer).hostname or "").lower() if referer else ""
    for platform, hosts in REFERRERS:
        if any(host == h or host.endswith("." + h) for h in hosts):
            return platform
    return DIRECT


def visitor_key(secret: str, client: str, user_agent: str, day: date) -> str:
    """A keyed hash that tells a returning visitor of the day, and nothing about them."""
    digest = hmac.new(
        secret.encode(), f"{day.isoformat()}|{client}|{user_agent}".encode(), hashlib.sha256
    ).digest()
    return urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _bump(session: Session, share: Share, day: date, platform: str, kind: str) -> None:
    bump(session, TallyKey(share.id or 0, share.library_id, day, platform, kind), 1)


@dataclass(frozen=True, slots=True)
class TallyKey:
    """One counter: a share's views (or visitors, crawler visits...) of a day and platform."""

    share_id: int
    library_id: int
    day: date
    platform: str
    kind: str


@dataclass(frozen=True, slots=True)
class View:
    """A landing-page view, classified: what it adds to the counters."""

    tally: TallyKey
    visitor: str | None  # a person's keyed hash; None for a crawler


def bump(session: Session, key: TallyKey, n: int) -> None:
    """Add `n` to one counter (`count = count + n`, whichever process adds)."""
    _BUMP.run(
        session,
        {
            "share_id": key.share_id,
            "day": key.day,
            "platform": key.platform,
            "kind": key.kind,
            "library_id": key.library_id,
            "n": n,
        },
    )


def add_visitor(session: Session, key: TallyKey, visitor: str) -> bool:
    """Note a visitor of the day (at most MAX_VISITORS_PER_DAY); True when new, and then
    counted: the database's unique key decides, so several processes agree."""
    fresh = _VISITOR.run(
        session,
        {"share_id": key.share_id, "day": key.day, "visitor": visitor, "cap": MAX_VISITORS_PER_DAY},
    )
    if fresh:
        bump(session, dataclasses.replace(key, kind="visitor"), 1)
    return bool(fresh)


def classify_view(
    share_id: int,
    library_id: int,
    now: datetime,
    timezone: str,
    *,
    user_agent: str,
    client: str,
    referer: str | None,
    utm_source: str | None,
    secret: str,
) -> View:
    """What one landing-page view counts as, without writing anything."""
    day = local_date(now, timezone)
    bot = crawler_platform(user_agent)
    if bot is not None:
        return View(TallyKey(share_id, library_id, day, bot, "crawler"), None)
    platform = referring_platform(referer, utm_source)
    visitor = visitor_key(secret, client, user_agent, day)
    return View(TallyKey(share_id, library_id, day, platform, "view"), visitor)


def record_view(
    session: Session,
    share: Share,
    now: datetime,
    timezone: str,
    *,
    user_agent: str,
    client: str,
    referer: str | None,
    utm_source: str | None,
    secret: str,
) -> str:
    """Count one landing-page view at once; returns its kind (`view` or `crawler`)."""
    view = classify_view(
        share.id or 0,
        share.library_id,
        now,
        timezone,
        user_agent=user_agent,
        client=client,
        referer=referer,
        utm_source=utm_source,
        secret=secret,
    )
    bump(session, view.tally, 1)
    if view.visitor is not None:
        add_visitor(session, view.tally, view.visitor)
    return view.tally.kind


def prune_visitors(session: Session, today: date) -> int:
    """Forget visitor hashes older than `VISITOR_DAYS_KEPT` days; the rows removed."""
    cutoff = today - timedelta(days=VISITOR_DAYS_KEPT)
    result = session.execute(delete(ShareVisitor).where(ShareVisitor.day < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def record_click(session: Session, code: str, library_id: int, now: datetime, tz: str) -> bool:
    """A landing page's join link followed to the library's page (`/l/{slug}?ref=code`)."""
    share = _share_of(session, code, library_id)
    if share is None:
        return False
    _bump(session, share, local_date(now, tz), DIRECT, "click")
    return True


def record_join(session: Session, code: str, library_id: int, now: datetime, tz: str) -> bool:
    """A registration that carried a share's code (of the same library)."""
    share = _share_of(session, code, library_id)
    if share is None:
        return False
    _bump(session, share, local_date(now, tz), DIRECT, "join")
    return True


def _share_of(session: Session, code: str, library_id: int) -> Share | None:
    share = session.execute(
        select(Share).where(Share.code == code, Share.library_id == library_id)
    ).scalar_one_or_none()
    return share if share is not None and share.deleted_at is None else None


def funnel(session: Session, scope: Scope, query: Query) -> Funnel:
    """GET /v1/analytics/engagement: shares → views → clicks → registrations."""
    q = query
    if q.age_group is not None or q.school is not None:
        field = "age_group" if q.age_group is not None else "school"
        raise unprocessable("Share traffic is not kept per age group or school.", field=field)
    lib_id = scope.library_id
    ev_where: list[Any] = [
        ShareEvent.library_id == lib_id,
        ShareEvent.kind == "share",
        ShareEvent.day >= q.start,
        ShareEvent.day <= q.end,
    ]
    tally_where: list[Any] = [
        ShareTally.library_id == lib_id,
        ShareTally.day >= q.start,
        ShareTally.day <= q.end,
    ]
    if q.challenge_id is not None:
        of_challenge = select(Share.id).where(Share.challenge_id == q.challenge_id)
        ev_where.append(ShareEvent.share_id.in_(of_challenge))
        tally_where.append(ShareTally.share_id.in_(of_challenge))
    posts_by_platform = {
        str(p or ""): int(n)
        for p, n in session.execute(
            select(ShareEvent.platform, func.count()).where(*ev_where).group_by(ShareEvent.platform)
        )
    }
    shares_by_subject = {
        str(s): int(n)
        for s, n in session.execute(
            select(ShareEvent.subject_type, func.count(func.distinct(ShareEvent.share_id)))
            .where(*ev_where)
            .group_by(ShareEvent.subject_type)
        )
    }
    shares = int(
        session.execute(
            select(func.count(func.distinct(ShareEvent.share_id))).where(*ev_where)
        ).scalar_one()
    )
    tallies: dict[tuple[str, str], int] = {
        (str(kind), str(platform)): int(n or 0)
        for kind, platform, n in session.execute(
            select(ShareTally.kind, ShareTally.platform, func.sum(ShareTally.count))
            .where(*tally_where)
            .group_by(ShareTally.kind, ShareTally.platform)
        )
    }

    def total(kind: str) -> int:
        return sum(n for (k, _), n in tallies.items() if k == kind)

    platforms = sorted({p for (k, p) in tallies if k in ("view", "visitor")})
    views, visitors, clicks, joins = total("view"), total("visitor"), total("click"), total("join")
    return Funnel(
        library=scope.library.slug,
        period=DateRange(start=q.start, end=q.end),
        filters=Filters(challenge_id=q.challenge_id),
        shares=shares,
        share_posts=sum(posts_by_platform.values()),
        shares_by_platform=posts_by_platform,
        shares_by_subject=shares_by_subject,
        views=views,
        unique_visitors=visitors,
        views_by_platform={
            p: PlatformTraffic(
                views=tallies.get(("view", p), 0), visitors=tallies.get(("visitor", p), 0)
            )
            for p in platforms
        },
        crawler_views=total("crawler"),
        crawlers_by_platform={p: n for (k, p), n in sorted(tallies.items()) if k == "crawler"},
        clicks=clicks,
        registrations=joins,
        views_per_share=round(views / shares, 2) if shares else None,
        click_through_rate=round(clicks / visitors, 4) if visitors else None,
        registrations_per_share=round(joins / shares, 4) if shares else None,
    )
