"""One-line builders for libraries, members, children and their tokens."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.accounts.consent import VERSION as CONSENT_VERSION
from app.accounts.consent import WORDING as CONSENT_WORDING
from app.analytics import counters
from app.core.clock import FixedClock
from app.core.config import Settings
from app.core.db import transaction
from app.core.security import create_access_token, decode_access_token, hash_password
from app.models.account import GuardianConsent
from app.models.library import Library, ScoringSettings
from app.models.member import Member, nickname_key
from app.services.auth import start_session

PASSWORD = "correct-horse-battery"
CONSENT = {"accepted": True, "version": CONSENT_VERSION}


def consent_of(guardian: Member, child: Member, now: Any) -> GuardianConsent:
    return GuardianConsent(
        child_id=child.id or 0,
        guardian_id=guardian.id or 0,
        version=CONSENT_VERSION,
        language="id",
        wording=CONSENT_WORDING["id"],
        given_at=now,
    )


_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)

ZONES = {"palu": "Asia/Makassar", "semarang": "Asia/Jakarta"}


def november_challenge(**kw: Any) -> dict[str, Any]:
    """The body of a POST /v1/challenges: November's pages challenge, changed by `kw`."""
    body: dict[str, Any] = {
        "title": "Tantangan Baca November",
        "hashtag": "#TantanganBacaNovember",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "goal": "pages",
        "target": 1000,
    }
    body.update(kw)
    return body


class Factory:
    def __init__(self, engine: Engine, settings: Settings, clock: FixedClock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def library(self, slug: str | None = None, **kw: Any) -> Library:
        slug = slug or f"lib{next(_seq)}"
        data: dict[str, Any] = {
            "slug": slug,
            "name": f"Perpustakaan Kota {slug.title()}",
            "city": slug.title(),
            "timezone": ZONES.get(slug, "Asia/Jakarta"),
            "hashtags": [f"#Perpustakaan{slug.title()}"],
            "scoring": ScoringSettings().model_dump(),
            "created_at": self.clock.now(),
        }
        data.update(kw)
        with transaction(self.engine) as s:
            lib = Library(**data)
            s.add(lib)
        return lib

    def member(
        self,
        library: Library | None = None,
        *,
        role: str = "member",
        age: int = 30,
        email: str | None = None,
        nickname: str | None = None,
        **kw: Any,
    ) -> Member:
        n = next(_seq)
        lib_id = library.id if library else None
        if lib_id is None and role != "admin":
            lib_id = self.library().id
        with transaction(self.engine) as s:
            m = Member(
                library_id=lib_id,
                email=email or f"reader{n}@example.org",
                password_hash=_HASH,
                role=role,
                display_name=kw.pop("display_name", f"Pembaca {n}"),
                nickname=nickname,
                nickname_key=nickname_key(nickname),
                birth_year=self.clock.now().year - age,
                created_at=self.clock.now(),
                **kw,
            )
            s.add(m)
            s.flush()
            counters.member_joined(s, m, self._zone(s, m))
        return m

    def staff(self, library: Library) -> Member:
        return self.member(library, role="staff")

    def admin(self) -> Member:
        return self.member(None, role="admin")

    def child(self, guardian: Member, *, age: int = 9, nickname: str | None = None) -> Member:
        n = next(_seq)
        with transaction(self.engine) as s:
            c = Member(
                library_id=guardian.library_id,
                display_name=f"Anak Lengkap {n}",
                nickname=nickname or f"Kancil{n}",
                nickname_key=nickname_key(nickname or f"Kancil{n}"),
                birth_year=self.clock.now().year - age,
                guardian_id=guardian.id,
                school="SD Negeri 1",
                created_at=self.clock.now(),
            )
            s.add(c)
            s.flush()
            counters.member_joined(s, c, self._zone(s, c))
            # As the API does: the guardian's consent comes with the profile.
            s.add(consent_of(guardian, c, self.clock.now()))
        return c

    @staticmethod
    def _zone(s: Session, member: Member) -> str:
        lib = s.get(Library, member.library_id) if member.library_id else None
        return lib.timezone if lib else "Asia/Jakarta"

    def tokens(self, member: Member) -> dict[str, Any]:
        with transaction(self.engine) as s:
            pair = start_session(s, self.settings, member, self.clock.now())
        return pair.model_dump()

    def headers(self, member: Member) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens(member)['access_token']}"}

    def child_headers(self, guardian: Member, child: Member) -> dict[str, str]:
        pair = self.tokens(guardian)
        claims = decode_access_token(self.settings, pair["access_token"], self.clock.now())
        assert claims is not None
        token = create_access_token(
            self.settings,
            self.clock.now(),
            member_id=child.id or 0,
            session_id=claims.session_id,
            actor_id=guardian.id,
        )
        return {"Authorization": f"Bearer {token}"}
