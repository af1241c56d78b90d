"""Demo reading history: a few hundred readers per library with two months of reading.

Deterministic (a seed per library) and idempotent (a library that has its demo readers
is left alone). Names and nicknames are distinct and plausible; children belong to
guardians and attend primary schools, teens secondary schools. Every log goes through
the reading path itself, in the order it arrived (points, streaks, challenges joined by
hashtag and completed, badges, boards and the analytics counters, as in life); last
month's challenge is over, this month's is live. A dozen shares and their landing-page
traffic (people and link-preview crawlers) complete the funnel. The names and titles
they are made of are `app/demo_names.py`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.analytics import rebuild, traffic
from app.core.clock import local_date, local_midnight_utc
from app.core.hashtags import hashtag_key
from app.core.text import MONTHS_ID
from app.demo_names import ANIMALS, FIRST, LAST, TITLES, TRAITS
from app.models.book import BookCreate
from app.models.challenge import Challenge
from app.models.library import Library
from app.models.member import Member, nickname_key
from app.models.reading import ReadingLogCreate
from app.models.share import ShareCreate, ShareSubject
from app.reading.logging import log_reading
from app.services import books, sharing

PER_LIBRARY = {"guardians": 35, "teens": 45, "adults": 70}
DAYS = 61


def _rng(slug: str) -> random.Random:
    return random.Random(f"bacaquest-demo-{slug}")  # noqa: S311 (demo data, not secrets)


def _schools(city: str) -> dict[str, list[str]]:
    return {
        "kids": [f"SD Negeri 1 {city}", f"SD Inpres 2 {city}", f"MI Al-Khairaat {city}"],
        "teens": [f"SMP Negeri 2 {city}", f"SMA Negeri 1 {city}", f"SMK Negeri 3 {city}"],
    }


def _marker(slug: str) -> str:
    return f"pembaca1.{slug}@bacaquest.demo"


def load_history(
    session: Session, lib: Library, staff: Member, pw: str, now: datetime, scale: float = 1.0
) -> int:
    """Readers, logs, challenges, badges and shares for one library; members added.
    `scale` shrinks the set (tests)."""
    if session.execute(select(Member.id).where(Member.email == _marker(lib.slug))).first():
        return 0
    rnd = _rng(lib.slug)
    today = local_date(now, lib.timezone)
    first_day = today - timedelta(days=DAYS - 1)
    start = local_midnight_utc(first_day, lib.timezone)
    schools = _schools(lib.city)
    taken: set[str] = set(
        k
        for k in session.execute(
            select(Member.nickname_key).where(Member.library_id == lib.id)
        ).scalars()
        if k
    )
    names: set[str] = set()
    n = 0

    def person(age: int, school: str | None, guardian: Member | None = None) -> Member:
        nonlocal n
        n += 1
        while True:
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            if name not in names:
                names.add(name)
                break
        while True:
            nick = f"{rnd.choice(ANIMALS)}{rnd.choice(TRAITS)}{rnd.randint(1, 99)}"
            if nickname_key(nick) not in taken:
                taken.add(nickname_key(nick) or "")
                break
        joined = start - timedelta(days=rnd.randint(0, 30)) + timedelta(hours=rnd.randint(1, 40))
        m = Member(
            library_id=lib.id,
            email=None if guardian else f"pembaca{n}.{lib.slug}@bacaquest.demo",
            password_hash=None if guardian else pw,
            role="member",
            display_name=name,
            nickname=nick,
            nickname_key=nickname_key(nick),
            birth_year=today.year - age,
            school=school,
            guardian_id=guardian.id if guardian else None,
            leaderboard_opt_out=rnd.random() < 0.05,
            created_at=joined,
        )
        session.add(m)
        return m

    readers: list[Member] = []
    size = {k: max(1, round(v * scale)) for k, v in PER_LIBRARY.items()}
    for _ in range(size["guardians"]):
        g = person(rnd.randint(30, 50), None)
        session.flush()
        readers.append(g)
        for _ in range(rnd.choice((1, 1, 2))):
            readers.append(person(rnd.randint(6, 12), rnd.choice(schools["kids"]), g))
    for _ in range(size["teens"]):
        readers.append(person(rnd.randint(13, 17), rnd.choice(schools["teens"])))
    for _ in range(size["adults"]):
        readers.append(person(rnd.randint(18, 70), None))
    session.flush()
    catalogue = [
        books.find_or_create(
            session, BookCreate(title=t, author=a, genre=g, pages=rnd.randint(80, 400)), now
        )[0]
        for t, a, g in TITLES
    ]
    done, live = _challenges(session, lib, staff, today, now)
    plan: list[tuple[datetime, int, Member, ReadingLogCreate]] = []
    tag = lib.hashtags[0] if lib.hashtags else None
    for m in readers:
        keen = rnd.random()
        chs = {c.id or 0 for c in (done, live) if rnd.random() < 0.45}
        book = rnd.choice(catalogue)
        read = 0
        for d in range(DAYS):
            day = first_day + timedelta(days=d)
            if rnd.random() > keen * 0.25:
                continue
            pages = rnd.randint(5, 45)
            read += pages
            finished = read >= (book.pages or 200)
            tags = [tag] if tag and rnd.random() < 0.3 else []
            tags += [
                c.hashtag for c in (done, live) if c.id in chs and c.starts_on <= day <= c.ends_on
            ]
            at = local_midnight_utc(day, lib.timezone) + timedelta(
                hours=rnd.randint(7, 21), minutes=rnd.randint(0, 59)
            )
            data = ReadingLogCreate(
                book_id=book.id,
                pages=pages,
                minutes=rnd.choice((None, None, pages * 2)),
                finished=finished,
                read_on=day,
                hashtags=tags,
                member_id=m.id if m.guardian_id else None,
            )
            plan.append((min(at, now), len(plan), m, data))
            if finished:
                book, read = rnd.choice(catalogue), 0
    guardians = {m.id: m for m in readers if m.guardian_id is None}
    # In the order they arrived, through the reading path itself: points, streaks,
    # challenges joined by hashtag and completed, badges and every counter as in life.
    for at, _, m, data in sorted(plan, key=lambda p: (p[0], p[1])):
        caller = guardians[m.guardian_id] if m.guardian_id else m
        log_reading(session, caller, data, at)
    _shares(session, lib, readers, rnd, now)
    rebuild.rebuild(session, lib)
    return len(readers)


def _challenges(
    session: Session, lib: Library, staff: Member, today: date, now: datetime
) -> tuple[Challenge, Challenge]:
    """Last month's challenge (over: completed by some) and this month's (live)."""
    last_end = today.replace(day=1) - timedelta(days=1)
    last = last_end.replace(day=1)
    name = MONTHS_ID[last.month - 1]
    tag = f"#TantanganBaca{name}{last.year}"
    found = session.execute(
        select(Challenge).where(
            Challenge.library_id == lib.id, Challenge.hashtag_key == hashtag_key(tag)
        )
    ).scalar_one_or_none()
    if found is None:
        found = Challenge(
            library_id=lib.id or 0,
            title=f"Tantangan Baca {name} {last.year}",
            description=f"Tantangan bulan {name} di {lib.name}: 150 halaman sebulan.",
            hashtag=tag,
            hashtag_key=hashtag_key(tag),
            starts_on=last,
            ends_on=last_end,
            goal="pages",
            target=150,
            age_groups=["adults", "kids", "teens"],
            bonus_points=100,
            created_by=staff.id or 0,
            created_at=now,
        )
        session.add(found)
        session.flush()
    live = (
        session.execute(
            select(Challenge)
            .where(
                Challenge.library_id == lib.id,
                Challenge.starts_on <= today,
                Challenge.ends_on >= today,
                Challenge.deleted_at.is_(None),
            )
            .order_by(Challenge.id)
        )
        .scalars()
        .first()
    )
    assert live is not None  # the demo's own challenge of this month
    return found, live


def _shares(
    session: Session, lib: Library, readers: list[Member], rnd: random.Random, now: datetime
) -> None:
    """A dozen shares of monthly summaries, and their pages' views, clicks and crawlers."""
    adults = [m for m in readers if m.guardian_id is None and m.email]
    base = "https://bacaquest.example"
    for m in rnd.sample(adults, min(12, len(adults))):
        platforms = rnd.sample(["x", "facebook", "whatsapp", "telegram", "threads"], 2)
        data = ShareCreate(
            subject=ShareSubject(type="monthly_summary"),
            platforms=platforms,
        )
        out, _ = sharing.create_share(session, m, data, now, base)
        share = sharing.find(session, out.id)
        assert share is not None
        for v in range(rnd.randint(3, 25)):
            ua = f"Mozilla/5.0 (Linux; Android 14; demo {v % 7}) Chrome/126.0 Mobile"
            traffic.record_view(
                session,
                share,
                now,
                lib.timezone,
                user_agent=ua,
                client=f"10.0.{v % 5}.1",
                referer=rnd.choice(["https://l.facebook.com/", "https://t.co/x", None]),
                utm_source=rnd.choice([None, "whatsapp"]),
                secret="demo",  # noqa: S106 (demo visitors, not a credential)
            )
        for bot in ("facebookexternalhit/1.1", "WhatsApp/2.24.1 A", "Twitterbot/1.0"):
            traffic.record_view(
                session,
                share,
                now,
                lib.timezone,
                user_agent=bot,
                client="",
                referer=None,
                utm_source=None,
                secret="demo",  # noqa: S106 (demo visitors, not a credential)
            )
        for _ in range(rnd.randint(0, 4)):
            traffic.record_click(session, share.code, lib.id or 0, now, lib.timezone)
        if rnd.random() < 0.5:
            traffic.record_join(session, share.code, lib.id or 0, now, lib.timezone)
