"""Leaderboards: counters kept with the ledger, an optional Redis index, and the boards.

`record` (called by `ledger.append`) and `member_updating` (called by
`members.update_me`) are the two ways the rest of the app feeds the boards; the reading
path on PostgreSQL, which books its rows and moves the counters in one statement, asks
`board_deltas` what to move and hands them to `publish_after_commit`.
"""

from app.leaderboards.feed import (
    board_deltas,
    library_changed,
    member_updating,
    publish_after_commit,
    record,
)
from app.leaderboards.redis_setup import index_for

__all__ = [
    "board_deltas",
    "index_for",
    "library_changed",
    "member_updating",
    "publish_after_commit",
    "record",
]
