"""Demo data for the five libraries of the source articles; safe to load twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.core.clock import local_date
from app.core.hashtags import hashtag_key
from app.core.security import hash_password
from app.core.text import MONTHS_ID
from app.demo_history import load_history
from app.models.challenge import Challenge
from app.models.library import Library, ScoringSettings
from app.models.member import Member, nickname_key
from app.programmes.demo import ensure_demo_programmes
from app.services.badges import ensure_demo_badges


@dataclass(frozen=True)
class DemoLibrary:
    slug: str
    name: str
    city: str
    timezone: str
    hashtag: str
    primary_color: str
    accent_color: str


LIBRARIES = (
    DemoLibrary(
        "palu",
        "Perpustakaan Kota Palu",
        "Palu",
        "Asia/Makassar",
        "#PerpustakaanPalu",
        "#0E6BA8",
        "#F4A300",
    ),
    DemoLibrary(
        "pasuruan",
        "Perpustakaan Kota Pasuruan",
        "Pasuruan",
        "Asia/Jakarta",
        "#PerpustakaanPasuruan",
        "#2E7D32",
        "#FFC107",
    ),
    DemoLibrary(
        "kotamobagu",
        "Perpustakaan Kota Kotamobagu",
        "Kotamobagu",
        "Asia/Makassar",
        "#PerpustakaanKotamobagu",
        "#6A1B9A",
        "#FFB300",
    ),
    DemoLibrary(
        "probolinggo",
        "Perpustakaan Kota Probolinggo",
        "Probolinggo",
        "Asia/Jakarta",
        "#PerpustakaanProbolinggo",
        "#C62828",
        "#FDD835",
    ),
    DemoLibrary(
        "semarang",
        "Perpustakaan Kota Semarang",
        "Semarang",
        "Asia/Jakarta",
        "#PerpustakaanSemarang",
        "#00695C",
        "#FF7043",
    ),
)

GENERAL_HASHTAGS = ("#LiterasiDigital", "#BukuUntukSemua")
ADMIN_EMAIL = "admin@bacaquest.demo"


def _member(session: Session, email: str) -> Member | None:
    return session.execute(select(Member).where(Member.email == email)).scalar_one_or_none()


def _ensure_account(
    session: Session,
    *,
    email: str,
    password_hash: str,
    role: str,
    display_name: str,
    birth_year: int,
    library_id: int | None,
    nickname: str | None,
    now: datetime,
) -> Member:
    member = _member(session, email)
    if member is None:
        member = Member(
            email=email,
            password_hash=password_hash,
            role=role,
            display_name=display_name,
            nickname=nickname,
            nickname_key=nickname_key(nickname),
            birth_year=birth_year,
            library_id=library_id,
            created_at=now,
        )
        session.add(member)
        session.flush()
    return member


def _ensure_child(
    session: Session,
    guardian: Member,
    display_name: str,
    nickname: str,
    birth_year: int,
    now: datetime,
) -> Member:
    child = session.execute(
        select(Member).where(
            Member.guardian_id == guardian.id,
            Member.nickname_key == nickname_key(nickname),
        )
    ).scalar_one_or_none()
    if child is None:
        child = Member(
            library_id=guardian.library_id,
            display_name=display_name,
            nickname=nickname,
            nickname_key=nickname_key(nickname),
            birth_year=birth_year,
            guardian_id=guardian.id,
            created_at=now,
        )
        session.add(child)
        session.flush()
    return child


def _month_window(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


def ensure_demo_challenges(session: Session, lib: Library, creator: Member, now: datetime) -> None:
    """This month's pages challenge and next month's books challenge, when missing."""
    today = local_date(now, lib.timezone)
    nxt = today.replace(day=28) + timedelta(days=4)
    plans = [
        (today.year, today.month, "pages", 1000, 100, "Tantangan Baca"),
        (nxt.year, nxt.month, "books", 4, 150, "Satu Buku Seminggu"),
    ]
    for year, month, goal, target, bonus, title in plans:
        name = MONTHS_ID[month - 1]
        tag = f"#TantanganBaca{name}{year}"
        exists = session.execute(
            select(Challenge.id).where(
                Challenge.library_id == lib.id, Challenge.hashtag_key == hashtag_key(tag)
            )
        ).first()
        if exists:
            continue
        start, end = _month_window(year, month)
        session.add(
            Challenge(
                library_id=lib.id or 0,
                title=f"{title} {name} {year}",
                description=(
                    f"Ayo membaca bersama {lib.name}! Catat bacaanmu setiap hari dengan "
                    f"tagar {tag} dan raih poin bonus."
                ),
                hashtag=tag,
                hashtag_key=hashtag_key(tag),
                starts_on=start,
                ends_on=end,
                goal=goal,
                target=target,
                age_groups=["adults", "kids", "teens"],
                bonus_points=bonus,
                created_by=creator.id or 0,
                created_at=now,
            )
        )
    session.flush()


def load_demo(
    session: Session, password: str, now: datetime, history: bool = False
) -> dict[str, int]:
    """Create whatever of the demo set is missing; returns counts of what exists.
    `history`: a few hundred readers per library with two months of reading too."""
    pw = hash_password(password)
    year = local_date(now, "Asia/Jakarta").year
    _ensure_account(
        session,
        email=ADMIN_EMAIL,
        password_hash=pw,
        role="admin",
        display_name="Admin BacaQuest",
        birth_year=year - 35,
        library_id=None,
        nickname=None,
        now=now,
    )
    for d in LIBRARIES:
        lib = session.execute(select(Library).where(Library.slug == d.slug)).scalar_one_or_none()
        if lib is None:
            lib = Library(
                slug=d.slug,
                name=d.name,
                city=d.city,
                timezone=d.timezone,
                hashtags=[d.hashtag, *GENERAL_HASHTAGS],
                scoring=ScoringSettings().model_dump(),
                primary_color=d.primary_color,
                accent_color=d.accent_color,
                created_at=now,
            )
            session.add(lib)
            session.flush()
        ensure_demo_badges(session, lib, now)
        staff = _ensure_account(
            session,
            email=f"staff.{d.slug}@bacaquest.demo",
            password_hash=pw,
            role="staff",
            display_name=f"Pustakawan {d.city}",
            birth_year=year - 30,
            library_id=lib.id,
            nickname=None,
            now=now,
        )
        ensure_demo_challenges(session, lib, staff, now)
        parent = _ensure_account(
            session,
            email=f"parent.{d.slug}@bacaquest.demo",
            password_hash=pw,
            role="member",
            display_name=f"Siti Rahmawati ({d.city})",
            birth_year=year - 38,
            library_id=lib.id,
            nickname="BundaSiti",
            now=now,
        )
        _ensure_child(session, parent, "Rina Lestari", "Rina", year - 8, now)
        _ensure_child(session, parent, "Bima Saputra", "Bima", year - 11, now)
        _ensure_account(
            session,
            email=f"teen.{d.slug}@bacaquest.demo",
            password_hash=pw,
            role="member",
            display_name="Dewi Anggraini",
            birth_year=year - 15,
            library_id=lib.id,
            nickname="dewi_baca",
            now=now,
        )
        if history:
            load_history(session, lib, staff, pw, now)
    ensure_demo_programmes(session, now)
    return {
        "libraries": len(session.execute(select(Library.id)).all()),
        "members": len(session.execute(select(Member.id)).all()),
    }
