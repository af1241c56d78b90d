"""Which passwords are refused, and why: common ones, trivial ones, the account's own.

The list of common passwords (20,000, as Django ships it; see COMMON-PASSWORDS-LICENSE)
is package data, read once. Beyond it: a password made of one repeated character, a run
of consecutive digits or letters, a keyboard row, or the account's email, its name part
or the member's name is refused, each with a reason the app can show.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib import resources

from app.core.problems import Problem, unprocessable

_SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb",
    "qazwsxedcrfvtgbyhnujmikolp",
)
# Words an Indonesian reader might build a password from, on top of the common list.
_LOCAL_WORDS = (
    "bacaquest",
    "perpustakaan",
    "indonesia",
    "bismillah",
    "sayang",
    "rahasia",
    "katasandi",
    "password",
    "passw0rd",
    "bukubuku",
    "membaca",
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    data = resources.files("app.accounts").joinpath("common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode().splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip())


def _squashed(value: str) -> str:
    return re.sub(r"[\s._\-]+", "", value.casefold())


def _is_sequence(value: str) -> bool:
    if len(value) < 4:
        return False
    return any(value in seq or value in seq[::-1] for seq in _SEQUENCES)


def _repeats_a_short_unit(value: str) -> bool:
    """`aaaaaaaaaa`, `abcabcabcabc`, `12121212121`: a unit of 1-3 characters repeated."""
    return any(
        len(value) >= 2 * n and (value[:n] * (len(value) // n + 1))[: len(value)] == value
        for n in (1, 2, 3)
    )


def weakness(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """Why this password is refused, or None when it may be used."""
    if not password.strip():
        return "The password cannot be only spaces."
    folded = password.casefold()
    squashed = _squashed(password)
    if len(set(squashed)) < 4:
        return "The password uses too few different characters."
    if _repeats_a_short_unit(squashed):
        return "The password repeats a few characters; choose something less predictable."
    if _is_sequence(squashed):
        return "The password is a run of consecutive characters (like 1234567890)."
    stripped = re.sub(r"\d+$", "", squashed)  # `password12` is `password` with digits
    common = common_passwords()
    if folded in common or squashed in common or stripped in common:
        return "This password is one of the most commonly used; choose another."
    if any(squashed.startswith(w) and len(squashed) - len(w) <= 4 for w in _LOCAL_WORDS):
        return "This password is too easy to guess; choose another."
    if email:
        mail = email.strip().casefold()
        local = mail.partition("@")[0]
        if folded == mail or squashed == _squashed(mail):
            return "The password cannot be your email address."
        if len(local) >= 4 and _squashed(local) in squashed and len(squashed) - len(local) <= 4:
            return "The password is too close to your email address."
    if name:
        key = _squashed(name)
        if len(key) >= 4 and (
            squashed == key or (key in squashed and len(squashed) - len(key) <= 4)
        ):
            return "The password is too close to your name."
    return None


def ensure_strong(
    password: str, *, email: str | None = None, name: str | None = None, field: str = "password"
) -> None:
    """Raise a 422 naming the field and the reason when the password is refused."""
    reason = weakness(password, email=email, name=name)
    if reason is not None:
        raise unprocessable(reason, field=field, slug="weak-password")


__all__ = ["Problem", "common_passwords", "ensure_strong", "weakness"]
