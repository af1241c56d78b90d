"""Attempt limits per account and per client address, shared by every worker.

A fixed window per rule: each attempt adds one to the counter of (rule, subject,
window) and is refused with 429 and `Retry-After` once the counter passes the limit.
The count is taken before the attempt does any work, so a burst of parallel attempts
cannot slip past it. Counters live in Redis when REDIS_URL is set (INCR, expiring
with their window) and in the database otherwise (one UPSERT `count = count + 1` in a
transaction of its own, so a failed attempt still counts); a Redis fault falls back to
the database. Subjects are stored only as digests: no email or address is kept.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from sqlalchemy import Engine, delete

from app.core import dbcompat
from app.core.config import Settings
from app.core.db import transaction
from app.core.problems import Problem
from app.models.account import RateLimitCounter

log = logging.getLogger("bacaquest.throttle")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    limit: int
    seconds: int


def rules(settings: Settings) -> dict[str, Rule]:
    window = settings.signin_window_seconds
    return {
        "signin-account": Rule("signin-account", settings.signin_attempts_per_account, window),
        "signin-address": Rule("signin-address", settings.signin_attempts_per_address, window),
        "register-address": Rule("register-address", settings.register_attempts_per_address, 3600),
        "reset-account": Rule("reset-account", settings.signin_attempts_per_account, window),
        "reset-issue-staff": Rule("reset-issue-staff", 60, 3600),
        "password-change": Rule("password-change", settings.signin_attempts_per_account, window),
        "class-code": Rule("class-code", 10, 3600),
    }


def _digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:40]


class Throttle:
    """The limits of one app (its settings, its engine, its Redis if any)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.rules = rules(settings)
        self.redis: redis.Redis | None = None
        if settings.redis_url:
            self.redis = redis.Redis.from_url(
                settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        self.prefix = f"{settings.rate_limit_namespace}:{settings.environment}:rl"

    def hit(self, rule_name: str, subject: str, now: datetime) -> None:
        """Count one attempt; raise 429 when it is over the rule's limit.

        Never call it inside a write transaction on the same database: on SQLite the
        counter's own transaction would wait for it (call it before the request's
        unit of work, as the auth routes and a dependency do)."""
        rule = self.rules[rule_name]
        stamp = int(now.timestamp())
        window = stamp // rule.seconds
        key = f"{rule.name}:{_digest(subject.casefold())}:{window}"
        count = self._count(key, rule, now)
        if count > rule.limit:
            retry = max(1, (window + 1) * rule.seconds - stamp)
            raise Problem(
                429,
                "too-many-requests",
                "Too many attempts; please wait before trying again.",
                title="Too many attempts",
                headers={"Retry-After": str(retry)},
                retry_after=retry,
            )

    def _count(self, key: str, rule: Rule, now: datetime) -> int:
        if self.redis is not None:
            try:
                full = f"{self.prefix}:{key}"
                pipe = self.redis.pipeline(transaction=True)
                pipe.incr(full)
                pipe.expire(full, rule.seconds + 5)
                value, _ = pipe.execute()
                return int(value)
            except redis.RedisError as exc:
                log.warning("rate limit counter in Redis failed (%s); the database counts", exc)
        return self._count_in_database(key, rule, now)

    def _count_in_database(self, key: str, rule: Rule, now: datetime) -> int:
        table = RateLimitCounter.__table__
        values = {"key": key, "count": 1, "expires_at": now + timedelta(seconds=rule.seconds)}
        with transaction(self.engine) as session:
            stmt = (
                dbcompat.insert(table)
                .values(**values)
                .on_conflict_do_update(
                    index_elements=[table.c.key], set_={"count": table.c.count + 1}
                )
                .returning(table.c.count)
            )
            count = int(session.execute(stmt).scalar_one())
            if secrets.randbelow(200) == 0:  # now and then, forget windows long gone
                session.execute(delete(table).where(table.c.expires_at < now))
            return count

    def drop_namespace(self) -> None:
        """Tests: remove this throttle's Redis keys."""
        if self.redis is None:
            return
        for k in self.redis.scan_iter(f"{self.prefix}:*", count=500):
            self.redis.delete(k)


def throttle_of(app_state: object) -> Throttle:
    """The app's throttle (made once per app, on first use)."""
    found = getattr(app_state, "throttle", None)
    if isinstance(found, Throttle):
        return found
    made = Throttle(app_state.settings, app_state.engine)
    app_state.throttle = made
    return made


def client_address(scope_client: tuple[str, int] | None) -> str:
    return scope_client[0] if scope_client else "unknown"


def client_fingerprint(address: str, user_agent: str | None) -> str:
    """Who refreshes: the same address and agent (a digest, never stored raw)."""
    return hashlib.sha256(f"{address}|{user_agent or ''}".encode()).hexdigest()
