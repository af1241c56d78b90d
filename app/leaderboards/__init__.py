"""Leaderboards: counters kept with the ledger, an optional Redis index, and the boards.

`record` (called by `ledger.append`) and `member_updating` (called by
`members.update_me`) are the two ways the rest of the app feeds the boards.
"""

from app.leaderboards.feed import index_for, member_updating, record

__all__ = ["index_for", "member_updating", "record"]
