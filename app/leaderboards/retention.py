"""How long past weeks' and months' boards are kept, and the pruning that enforces it.

A week or month board is kept for `RETENTION_DAYS` days after its period's last local
day (so last year's monthly winners can still be looked up and exported), then its
counters and rank counts are deleted. The all-time and challenge boards are never pruned.
Every app process prunes on a thread of its own, soon after it starts and then every
`PRUNE_EVERY_SECONDS`; deleting what is already gone is harmless, so several processes
need no coordination. The board answer shows the date as `kept_until`.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from app.core.clock import Clock, local_date
from app.core.db import transaction
from app.leaderboards import keys
from app.models.leaderboard import BoardRank, BoardScore
from app.models.library import Library

log = logging.getLogger("bacaquest.leaderboards")

RETENTION_DAYS = 400  # a year and a month after the period ends
PRUNE_FIRST_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 6 * 3600.0


def kept_until(board: str) -> date | None:
    """The last day a board is kept; None for boards kept for good."""
    info = keys.parse(board)
    if info is None or info.last_day is None:
        return None
    return info.last_day + timedelta(days=RETENTION_DAYS)


def prune(session: Session, now: datetime) -> int:
    """Delete the week and month boards past their retention; returns boards deleted."""
    zones: dict[int, str] = dict(
        session.execute(select(Library.id, Library.timezone)).tuples().all()
    )
    doomed = []
    for (board,) in session.execute(select(BoardScore.board).distinct()):
        info = keys.parse(board)
        until = kept_until(board)
        if info is None or until is None or info.library_id is None:
            continue
        if until < local_date(now, zones.get(info.library_id, "Asia/Jakarta")):
            doomed.append(board)
    for i in range(0, len(doomed), 200):
        chunk = doomed[i : i + 200]
        session.execute(delete(BoardRank).where(BoardRank.board.in_(chunk)))
        session.execute(delete(BoardScore).where(BoardScore.board.in_(chunk)))
    return len(doomed)


def start_pruning(engine: Engine, clock: Clock, stop: threading.Event) -> threading.Thread:
    """Prune now and then until `stop` is set (the app's lifespan owns the thread)."""

    def loop() -> None:
        wait = PRUNE_FIRST_SECONDS
        while not stop.wait(wait):
            wait = PRUNE_EVERY_SECONDS
            try:
                with transaction(engine) as session:
                    n = prune(session, clock.now())
                if n:
                    log.info("pruned %d past leaderboard(s)", n)
            except Exception:
                log.exception("pruning past leaderboards failed; trying again later")

    thread = threading.Thread(target=loop, name="board-pruning", daemon=True)
    thread.start()
    return thread
