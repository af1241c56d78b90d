"""What each partner event carries, built at the call sites around the services (the
reading service itself is untouched): a reading log accepted or flagged for review, a
badge earned, a challenge completed, an event attended, a member joined.

A child's or a minor's event names nobody: the member is a keyed hash, stable for the
same member (so a school can count), that no partner can turn back into an id or name."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.integrations.webhooks import outbox
from app.models.events import CheckInResult
from app.models.member import MemberLike, is_minor_now

ACCEPTED = "reading_log.accepted"
FLAGGED = "reading_log.flagged"
BADGE = "badge.earned"
CHALLENGE = "challenge.completed"
ATTENDED = "event.attended"
JOINED = "member.joined"


def member_block(secret: str, member: MemberLike | None, member_id: int) -> dict[str, Any]:
    """`member` None: someone other than the caller (a guardian's child): no personal data."""
    ref = hmac.new(secret.encode(), f"webhook-member:{member_id}".encode(), hashlib.sha256)
    out: dict[str, Any] = {"ref": ref.hexdigest()[:32]}
    adult = member is not None and not member.is_child and not is_minor_now(member.birth_year)
    out["minor"] = not adult
    if adult and member is not None:
        out["member_id"] = member_id
        out["name"] = member.nickname or member.display_name
    return out


def _badges(
    session: Session,
    subs: dict[str, tuple[int, ...]],
    library_id: int,
    who: dict[str, Any],
    member_id: int,
    badges: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    for b in badges:
        badge = {"id": b["id"], "name": b["name"]}
        data = {"library_id": library_id, "member": who, "badge": badge}
        key = f"badge:{member_id}:{b['id']}"
        outbox.emit(session, subs.get(BADGE, ()), library_id, BADGE, key, data, now)


def after_logs(
    session: Session,
    secret: str,
    caller: MemberLike,
    results: Iterable[str | dict[str, Any]],
    now: datetime,
) -> None:
    """Queue the events of these log results (the API's JSON or its parsed form)."""
    library_id = caller.library_id
    subs = outbox.subscribed(session, library_id)
    if not subs or library_id is None:
        return
    for raw in results:
        result = json.loads(raw) if isinstance(raw, str) else raw
        log = result["log"]
        member_id = log["member_id"]
        who = member_block(secret, caller if member_id == caller.id else None, member_id)
        kind = FLAGGED if log["status"] == "pending_review" else ACCEPTED
        book = log["book"]
        data = {
            "library_id": library_id,
            "member": who,
            "log": {
                "id": log["id"],
                "book": {"id": book["id"], "title": book["title"], "isbn": book.get("isbn")},
                "pages": log["pages"],
                "minutes": log["minutes"],
                "finished": log["finished"],
                "read_on": log["read_on"],
                "status": log["status"],
                "points": log["points"],
                "review_reasons": log["review_reasons"],
            },
        }
        key = f"log:{log['id']}:{kind}"
        outbox.emit(session, subs.get(kind, ()), library_id, kind, key, data, now)
        _badges(session, subs, library_id, who, member_id, result["badges_earned"], now)
        for ch in result.get("challenges", ()):
            if not ch["completed_now"]:
                continue
            done = {
                "library_id": library_id,
                "member": who,
                "challenge": {k: ch[k] for k in ("challenge_id", "title", "hashtag", "goal")},
            }
            key = f"challenge:{member_id}:{ch['challenge_id']}"
            outbox.emit(session, subs.get(CHALLENGE, ()), library_id, CHALLENGE, key, done, now)


def after_check_in(
    session: Session, secret: str, member: MemberLike, result: CheckInResult, now: datetime
) -> None:
    library_id = member.library_id
    subs = outbox.subscribed(session, library_id)
    if not subs or library_id is None or member.id is None:
        return
    who = member_block(secret, member, member.id)
    data = {
        "library_id": library_id,
        "member": who,
        "event": {"id": result.event_id, "title": result.title},
        "attended_at": result.attended_at.isoformat(),
    }
    key = f"attended:{result.event_id}:{member.id}"
    outbox.emit(session, subs.get(ATTENDED, ()), library_id, ATTENDED, key, data, now)
    badges = [b.model_dump() for b in result.badges_earned]
    _badges(session, subs, library_id, who, member.id, badges, now)


def after_join(
    session: Session, secret: str, member: MemberLike, now: datetime, *, personal: bool = True
) -> None:
    """A new member (an account, or a child profile a guardian made: `personal` False)."""
    library_id = member.library_id
    subs = outbox.subscribed(session, library_id)
    if not subs or library_id is None or member.id is None:
        return
    who = member_block(secret, member if personal else None, member.id)
    data = {"library_id": library_id, "member": who, "joined_at": now.isoformat()}
    key = f"joined:{member.id}"
    outbox.emit(session, subs.get(JOINED, ()), library_id, JOINED, key, data, now)
