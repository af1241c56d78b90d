"""QR codes for an event's check-in link, as PNG (to print) and SVG (to show or scale)."""

from __future__ import annotations

import io
from typing import Literal

import segno

QrFormat = Literal["png", "svg"]
MEDIA_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}


def render(url: str, fmt: QrFormat, *, scale: int = 10) -> bytes:
    """The QR code of `url`, error correction M (readable with a quarter of it smudged)."""
    qr = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    if fmt == "png":
        qr.save(out, kind="png", scale=scale, border=4)
    else:
        qr.save(out, kind="svg", scale=scale, border=4, xmldecl=False, title=url)
    return out.getvalue()
