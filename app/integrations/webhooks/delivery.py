"""The webhook worker: sends due deliveries, records every attempt, retries with
exponential backoff and jitter, gives a delivery up after its last attempt, and disables
an endpoint after repeated failures (or at once when it answers 410 Gone).

A delivery is claimed by moving its next attempt a lease ahead in a short transaction
(PostgreSQL: rows locked with SKIP LOCKED), then sent with no transaction open, then its
outcome recorded: a worker that dies mid-send leaves the delivery to be sent again when
the lease ends. Receivers deduplicate by `webhook-id`, which a retry keeps."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine, func, insert, select, update

from app.core.clock import Clock
from app.core.db import transaction
from app.integrations.webhooks import signing
from app.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("bacaquest.webhooks")
BASE_SECONDS = 5
CAP_SECONDS = 6 * 3600
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8  # 5 s, 10 s, 20 s, ... about 10 minutes then hours: ~a day in all
DISABLE_AFTER = 15  # consecutive failed attempts of an endpoint, over every delivery
BATCH = 20
_d = WebhookDelivery.__table__.c
_e = WebhookEndpoint.__table__.c


@dataclass(frozen=True, slots=True)
class Job:
    delivery_id: int
    endpoint_id: int
    msg_id: str
    payload: str
    url: str
    secrets: list[str]


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    body: str | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """After the n-th failed attempt: between half and all of 5 s * 2^(n-1) (capped)."""
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


def _anything_due(engine: Engine, now: datetime) -> bool:
    """A read first: an idle worker never takes SQLite's write lock from the requests."""
    with transaction(engine, write=False) as session:
        due = select(_d.id).where(_d.status == "pending", _d.next_attempt_at <= now).limit(1)
        return session.execute(due).first() is not None


def claim(engine: Engine, now: datetime, limit: int = BATCH) -> list[Job]:
    if not _anything_due(engine, now):
        return []
    with transaction(engine) as session:
        stmt = (
            select(_d.id, _d.endpoint_id, _d.msg_id, _d.payload, _e.url, _e.secret)
            .add_columns(_e.previous_secret, _e.previous_secret_until)
            .join(WebhookEndpoint.__table__, _e.id == _d.endpoint_id)
            .where(
                _d.status == "pending",
                _d.next_attempt_at <= now,
                _e.enabled.is_(True),
                _e.deleted_at.is_(None),
            )
            .order_by(_d.next_attempt_at, _d.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery.__table__)
        )
        rows = session.execute(stmt).all()
        if not rows:
            return []
        session.execute(
            update(WebhookDelivery)
            .where(_d.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + LEASE)
        )
    jobs = []
    for r in rows:
        keys = [r.secret]
        if r.previous_secret and r.previous_secret_until and r.previous_secret_until > now:
            keys.append(r.previous_secret)
        jobs.append(Job(r.id, r.endpoint_id, r.msg_id, r.payload, r.url, keys))
    return jobs


def send(client: httpx.Client, job: Job, now: datetime) -> Outcome:
    body = job.payload.encode()
    headers = signing.headers(job.secrets, job.msg_id, int(now.timestamp()), body)
    started = time.monotonic()
    try:
        r = client.post(job.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        ms = int((time.monotonic() - started) * 1000)
        return Outcome(None, None, f"{type(exc).__name__}: {exc}"[:300], ms)
    ms = int((time.monotonic() - started) * 1000)
    return Outcome(r.status_code, r.text[:2000], None, ms)


def record(engine: Engine, job: Job, outcome: Outcome, now: datetime, rng: random.Random) -> None:
    with transaction(engine) as session:
        session.execute(
            insert(WebhookAttempt).values(
                delivery_id=job.delivery_id,
                attempted_at=now,
                status_code=outcome.status_code,
                response_body=outcome.body,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
        )
        attempts = session.execute(
            update(WebhookDelivery)
            .where(_d.id == job.delivery_id)
            .values(
                attempts=_d.attempts + 1,
                last_status_code=outcome.status_code,
                last_error=outcome.error,
            )
            .returning(_d.attempts)
        ).scalar_one()
        if outcome.ok:
            session.execute(
                update(WebhookDelivery)
                .where(_d.id == job.delivery_id)
                .values(status="delivered", delivered_at=now)
            )
            session.execute(
                update(WebhookEndpoint)
                .where(_e.id == job.endpoint_id, _e.consecutive_failures > 0)
                .values(consecutive_failures=0, failing_since=None)
            )
            return
        final = attempts >= MAX_ATTEMPTS
        session.execute(
            update(WebhookDelivery)
            .where(_d.id == job.delivery_id)
            .values(
                status="failed" if final else "pending",
                next_attempt_at=now + backoff(attempts, rng),
            )
        )
        failures = session.execute(
            update(WebhookEndpoint)
            .where(_e.id == job.endpoint_id)
            .values(
                consecutive_failures=_e.consecutive_failures + 1,
                failing_since=func.coalesce(_e.failing_since, now),
            )
            .returning(_e.consecutive_failures)
        ).scalar_one()
        gone = outcome.status_code == 410
        if gone or failures >= DISABLE_AFTER:
            reason = (
                "The endpoint answered 410 Gone."
                if gone
                else f"{failures} deliveries in a row failed."
            )
            session.execute(
                update(WebhookEndpoint)
                .where(_e.id == job.endpoint_id, _e.enabled.is_(True))
                .values(enabled=False, disabled_reason=reason)
            )
            log.warning("webhook endpoint %s disabled: %s", job.endpoint_id, reason)


def deliver_due(
    engine: Engine,
    clock: Clock,
    client: httpx.Client,
    rng: random.Random | None = None,
    limit: int = BATCH,
) -> int:
    """One pass: every due delivery (up to `limit`) sent once; how many were tried."""
    rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
    jobs = claim(engine, clock.now(), limit)
    for job in jobs:
        outcome = send(client, job, clock.now())
        record(engine, job, outcome, clock.now(), rng)
    return len(jobs)


def new_client(timeout_seconds: float) -> httpx.Client:
    # No redirects: a signed delivery goes to the registered address or nowhere.
    return httpx.Client(timeout=timeout_seconds, follow_redirects=False)
