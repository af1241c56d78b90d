"""Prize drawings: who is eligible, how many tickets each entry holds, and the draw itself.

The draw is deterministic and can be checked by anyone holding the export (the frozen
entries and the seed revealed after the draw, whose SHA-256 was published before it):

1. Entries are numbered 1..n when the list is frozen; entry i holds t_i >= 1 tickets.
2. Round r = 0, 1, 2, ... : h = SHA-256(seed + ":" + str(r)) read as a big-endian
   256-bit integer; T = the tickets of the entries not drawn yet; k = h mod T.
3. Walk the remaining entries in entry order, adding their tickets; the entry whose range
   holds k (cumulative tickets before it <= k < cumulative after it) is drawn and leaves.
4. The order in which entries leave is the draw order: the first `winners` win; a redraw
   for a winner who did not claim takes the next entry in that order.

`seed` is the hexadecimal text as exported; SHA-256 of its UTF-8 bytes is the commitment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

ONE_EACH = "one_each"
PER_POINTS = "per_points"


@dataclass(frozen=True, slots=True)
class Entry:
    entry_no: int
    tickets: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """What eligibility reads of one member."""

    member_id: int
    age_group: str
    points: int  # in the drawing's window (or all time)
    completed_challenge: bool
    attended_event: bool
    won_before: bool  # an earlier drawing of the same series


@dataclass(frozen=True, slots=True)
class Eligibility:
    age_groups: frozenset[str]
    min_points: int
    require_completed_challenge: bool
    require_event: bool
    exclude_previous_winners: bool
    weighting: str  # ONE_EACH | PER_POINTS
    points_per_ticket: int  # for PER_POINTS; >= 1


def tickets(candidate: Candidate, rule: Eligibility) -> int:
    """The tickets a member holds: 0 when they are not eligible."""
    if candidate.age_group not in rule.age_groups:
        return 0
    if candidate.points < rule.min_points:
        return 0
    if rule.require_completed_challenge and not candidate.completed_challenge:
        return 0
    if rule.require_event and not candidate.attended_event:
        return 0
    if rule.exclude_previous_winners and candidate.won_before:
        return 0
    if rule.weighting == PER_POINTS:
        return max(0, candidate.points) // max(1, rule.points_per_ticket)
    return 1


def commitment(seed: str) -> str:
    """The SHA-256 (hex) published before the draw."""
    return hashlib.sha256(seed.encode()).hexdigest()


def draw_order(entries: Sequence[Entry], seed: str, count: int) -> list[int]:
    """The first `count` entry numbers in the order the draw takes them (see the module's
    text); fewer when there are fewer entries."""
    remaining = sorted(entries, key=lambda e: e.entry_no)
    if any(e.tickets < 1 for e in remaining):
        raise ValueError("every entry holds at least one ticket")
    order: list[int] = []
    r = 0
    while remaining and len(order) < count:
        total = sum(e.tickets for e in remaining)
        k = int.from_bytes(hashlib.sha256(f"{seed}:{r}".encode()).digest(), "big") % total
        before = 0
        for i, e in enumerate(remaining):
            if before <= k < before + e.tickets:
                order.append(e.entry_no)
                del remaining[i]
                break
            before += e.tickets
        r += 1
    return order
