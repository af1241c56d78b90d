"""ISBN-10 and ISBN-13: checksum validation and conversion to ISBN-13."""

from __future__ import annotations


def _isbn13_check(digits12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def normalize_isbn(raw: str) -> str:
    """The ISBN-13 of an ISBN-10 or ISBN-13 (hyphens and spaces allowed); ValueError if bad."""
    compact = raw.replace("-", "").replace(" ", "").upper()
    if len(compact) == 10:
        body, check = compact[:9], compact[9]
        if not body.isdigit() or not (check.isdigit() or check == "X"):
            raise ValueError("an ISBN-10 is 9 digits and a check digit (0-9 or X)")
        total = sum((10 - i) * int(d) for i, d in enumerate(body))
        total += 10 if check == "X" else int(check)
        if total % 11 != 0:
            raise ValueError(f"{raw!r} is not a valid ISBN-10 (wrong check digit)")
        core = "978" + body
        return core + _isbn13_check(core)
    if len(compact) == 13:
        if not compact.isdigit():
            raise ValueError("an ISBN-13 holds only digits")
        if not compact.startswith(("978", "979")):
            raise ValueError("an ISBN-13 starts with 978 or 979")
        if _isbn13_check(compact[:12]) != compact[12]:
            raise ValueError(f"{raw!r} is not a valid ISBN-13 (wrong check digit)")
        return compact
    raise ValueError("an ISBN has 10 or 13 digits")
