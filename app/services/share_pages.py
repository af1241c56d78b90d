"""Serving the public share pages to a crowd: each page built once per process, every
request checked against the database, views counted in memory and added up in batches.

A share that spreads brings thousands of visitors to one `/s/{code}` within minutes.
Every request still reads the share's state (one indexed lookup: withdrawn? which
library, which store links?), so a page withdrawn by its owner, a guardian or an account
deletion is never served from memory; only the rendering is kept, keyed by that state.

Views are not written one by one. Each process adds them to counters in memory and a
flusher adds the counters to `share_tally` (`count = count + n`) every
`share_view_flush_seconds`, with the day's new visitors (the database's unique key tells
new from known, so several processes agree). A crash loses at most that many seconds
of view counts, never a page. With the setting at 0 every view is written at once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.analytics import traffic
from app.analytics.traffic import MAX_VISITORS_PER_DAY, TallyKey
from app.core.db import transaction
from app.models.library import Library
from app.models.share import Share

log = logging.getLogger(__name__)

PAGES_KEPT = 2048  # rendered pages per process (a few KB each)
CARDS_KEPT = 96  # cards per process (at most CARD_MAX_BYTES each): the ones spreading now
PENDING_VISITORS_MAX = 200_000  # visitors waiting for a flush, per process

_s = Share.__table__.c
_lib = Library.__table__.c


@dataclass(frozen=True, slots=True)
class ShareState:
    """What a share's page depends on beyond its frozen context, read on every request."""

    share_id: int
    code: str
    library_id: int
    deleted: bool
    language: str
    library_slug: str
    timezone: str
    play_store_url: str | None
    app_store_url: str | None

    @property
    def version(self) -> tuple[Any, ...]:
        return (self.library_slug, self.play_store_url, self.app_store_url)


_STATE = select(
    _s.id,
    _s.code,
    _s.library_id,
    _s.deleted_at.is_not(None),
    _s.language,
    _lib.slug,
    _lib.timezone,
    _lib.play_store_url,
    _lib.app_store_url,
).join(Library.__table__, _lib.id == _s.library_id)


def state(session: Session, code: str) -> ShareState | None:
    row = session.execute(_STATE.where(_s.code == code)).first()
    return ShareState(*row) if row is not None else None


def context_row(session: Session, share_id: int) -> dict[str, Any]:
    return dict(session.execute(select(_s.context).where(_s.id == share_id)).scalar_one())


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered page or card (`html` holds its bytes) and its validator."""

    html: bytes
    etag: str


def strong_etag(body: bytes) -> str:
    """A strong validator: a hash of the very bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def page_of(html: str) -> Page:
    body = html.encode()
    return Page(body, strong_etag(body))


class PageCache:
    """Rendered pages by (code, state version): an LRU shared by the process's threads."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self._pages: OrderedDict[tuple[Any, ...], Page] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: Page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


def matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match against a strong ETag (a list, `*`, or weak forms of it)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


class ViewCounter:
    """One process's views not yet in the database, and the thread that adds them."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._counts: defaultdict[TallyKey, int] = defaultdict(int)
        self._visitors: defaultdict[TallyKey, set[str]] = defaultdict(set)
        self._pending_visitors = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, view: traffic.View) -> None:
        if self.interval <= 0:
            self._write({view.tally: 1}, {view.tally: {view.visitor}} if view.visitor else {})
            return
        with self._lock:
            self._counts[view.tally] += 1
            if view.visitor is not None and self._pending_visitors < PENDING_VISITORS_MAX:
                seen = self._visitors[view.tally]
                if view.visitor not in seen and len(seen) < MAX_VISITORS_PER_DAY:
                    seen.add(view.visitor)
                    self._pending_visitors += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="share-view-flusher", daemon=True
                )
                self._thread.start()

    def flush(self) -> int:
        """Write what is pending now; the views written (kept for later if that failed)."""
        with self._lock:
            counts, self._counts = self._counts, defaultdict(int)
            visitors, self._visitors = self._visitors, defaultdict(set)
            self._pending_visitors = 0
        if not counts:
            return 0
        try:
            self._write(counts, visitors)
        except SQLAlchemyError:
            log.warning("share views not written yet; retrying", exc_info=True)
            with self._lock:
                for key, n in counts.items():
                    self._counts[key] += n
                for key, seen in visitors.items():
                    self._visitors[key] |= seen
                    self._pending_visitors += len(seen)
            return 0
        return sum(counts.values())

    def _write(self, counts: dict[TallyKey, int], visitors: dict[TallyKey, set[str]]) -> None:
        with transaction(self.engine) as session:
            for key in sorted(counts, key=_order):  # one order: no deadlock between processes
                traffic.bump(session, key, counts[key])
            for key in sorted(visitors, key=_order):
                for visitor in sorted(visitors[key]):
                    traffic.add_visitor(session, key, visitor)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Stop the flusher and write what is left (at shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()


def _order(key: TallyKey) -> tuple[int, str, str, str]:
    return (key.share_id, key.day.isoformat(), key.platform, key.kind)


def count_view(counter: ViewCounter, st: ShareState, now: datetime, **seen: Any) -> None:
    counter.add(traffic.classify_view(st.share_id, st.library_id, now, st.timezone, **seen))
