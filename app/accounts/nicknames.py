"""Public nicknames: refused when they are the real name, and generated on request.

Public places (boards, shares, landing pages) show a nickname only for everyone under
18, so a nickname must not be the display name itself, and a reader without one gets a
generated one (an animal and a trait, "Kancil Ceria 27") that nobody in the library has.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlmodel import Session

from app.core.problems import unprocessable
from app.models.member import Member, nickname_key

_ANIMALS = (
    "Kancil", "Merak", "Jalak", "Cendrawasih", "Komodo", "Anoa", "Tarsius", "Rusa",
    "Elang", "Penyu", "Lumba", "Kakatua", "Maleo", "Badak", "Harimau", "Gajah",
)  # fmt: skip
_TRAITS = (
    "Ceria", "Cerdas", "Berani", "Gesit", "Tekun", "Riang", "Bijak", "Cermat",
    "Hebat", "Ramah", "Kreatif", "Jenaka", "Tangguh", "Pintar", "Lincah", "Setia",
)  # fmt: skip


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


def ensure_nickname_allowed(
    nickname: str, display_name: str | None, field: str = "nickname"
) -> None:
    """A nickname hides the real name: it may not be the display name (any case, spacing)."""
    if display_name and _key(nickname) and _key(nickname) == _key(display_name):
        raise unprocessable(
            "The nickname cannot be your name: it is what others see in public. "
            "GET /v1/me/nickname-suggestions offers some.",
            field=field,
            slug="nickname-is-name",
        )


def suggest_nicknames(session: Session, library_id: int, count: int = 5) -> list[str]:
    """`count` generated nicknames that nobody in the library uses."""
    out: list[str] = []
    for _ in range(10):
        candidates = [
            f"{secrets.choice(_ANIMALS)} {secrets.choice(_TRAITS)} {secrets.randbelow(90) + 10}"
            for _ in range(count * 2)
        ]
        keys = [nickname_key(c) for c in candidates]
        taken = set(
            session.execute(
                select(Member.nickname_key).where(
                    Member.library_id == library_id, Member.nickname_key.in_(keys)
                )
            ).scalars()
        )
        for c, k in zip(candidates, keys, strict=True):
            if k not in taken and c not in out:
                out.append(c)
            if len(out) == count:
                return out
    return out
