"""Staff's webhook endpoints: register (the address checked), change, disable or enable,
rotate the secret, remove; read the delivery log and replay a delivery. Every call acts
on the staff member's own library only: another library's endpoint is not found."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlmodel import Session

from app.core.pagination import id_page
from app.core.problems import not_found, unprocessable
from app.integrations.webhooks import signing
from app.models.member import Member
from app.models.webhooks import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPublic,
    EndpointCreate,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

MAX_ENDPOINTS = 20
ROTATION_GRACE = timedelta(hours=24)  # the old secret signs too for a day


def check_url(url: str, environment: str) -> str:
    """A partner's address: absolute http(s), no credentials; in production https only,
    and never this machine or a private network (the worker must not be turned inward)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        raise unprocessable("The URL is not valid.", field="url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise unprocessable("The URL must be an absolute https:// address.", field="url")
    if parts.username or parts.password:
        raise unprocessable("The URL must not carry a user name or password.", field="url")
    if parts.fragment:
        raise unprocessable("The URL must not have a #fragment.", field="url")
    if environment == "production":
        if parts.scheme != "https":
            raise unprocessable("Webhook URLs must use https.", field="url")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host == "localhost" or host.endswith(".localhost") or (ip and not ip.is_global):
            raise unprocessable(
                "The URL must be a public address, not a local or private one.", field="url"
            )
    return url.strip()


def public(e: WebhookEndpoint) -> EndpointPublic:
    return EndpointPublic.model_validate(e, from_attributes=True)


def _with_secret(e: WebhookEndpoint) -> EndpointWithSecret:
    return EndpointWithSecret.model_validate(e, from_attributes=True)


def own(session: Session, library_id: int, endpoint_id: int) -> WebhookEndpoint:
    e = session.get(WebhookEndpoint, endpoint_id)
    if e is None or e.library_id != library_id or e.deleted_at is not None:
        raise not_found("Webhook endpoint")
    return e


def create(
    session: Session,
    library_id: int,
    staff: Member,
    data: EndpointCreate,
    environment: str,
    now: datetime,
) -> EndpointWithSecret:
    url = check_url(data.url, environment)
    count = len(list_for(session, library_id))
    if count >= MAX_ENDPOINTS:
        raise unprocessable(
            f"A library has at most {MAX_ENDPOINTS} webhook endpoints.",
            field="url",
            slug="too-many-endpoints",
        )
    e = WebhookEndpoint(
        library_id=library_id,
        url=url,
        description=data.description,
        event_types=sorted(set(data.event_types)),
        secret=signing.new_secret(),
        created_by=staff.id or 0,
        created_at=now,
    )
    session.add(e)
    session.flush()
    return _with_secret(e)


def list_for(session: Session, library_id: int) -> list[WebhookEndpoint]:
    return list(
        session.execute(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.library_id == library_id, WebhookEndpoint.deleted_at.is_(None))
            .order_by(WebhookEndpoint.id)
        ).scalars()
    )


def change(
    session: Session, e: WebhookEndpoint, data: EndpointUpdate, environment: str
) -> EndpointPublic:
    if data.url is not None:
        e.url = check_url(data.url, environment)
    if data.description is not None:
        e.description = data.description
    if data.event_types is not None:
        e.event_types = sorted(set(data.event_types))
    if data.enabled is not None and data.enabled != e.enabled:
        e.enabled = data.enabled
        if data.enabled:  # a fresh start: the failures that disabled it are forgiven
            e.consecutive_failures, e.failing_since, e.disabled_reason = 0, None, None
        else:
            e.disabled_reason = "Disabled by staff."
    session.add(e)
    session.flush()
    return public(e)


def remove(session: Session, e: WebhookEndpoint, now: datetime) -> None:
    """Removed endpoints get nothing more; their delivery log stays for the record."""
    e.deleted_at, e.enabled = now, False
    session.add(e)
    session.flush()


def rotate(session: Session, e: WebhookEndpoint, now: datetime) -> EndpointWithSecret:
    e.previous_secret, e.previous_secret_until = e.secret, now + ROTATION_GRACE
    e.secret = signing.new_secret()
    session.add(e)
    session.flush()
    return _with_secret(e)


def _delivery_public(d: WebhookDelivery) -> DeliveryPublic:
    out = DeliveryPublic.model_validate(d, from_attributes=True)
    if d.status != "pending":
        out.next_attempt_at = None
    return out


def deliveries(
    session: Session,
    e: WebhookEndpoint,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeliveryPublic], str | None]:
    """Newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == e.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    page, nxt = id_page(
        session,
        stmt,
        WebhookDelivery.id,
        lambda d: d.id,
        limit,
        cursor,
        newest_first=True,
        scalars=True,
    )
    return [_delivery_public(d) for d in page], nxt


def own_delivery(session: Session, e: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    d = session.get(WebhookDelivery, delivery_id)
    if d is None or d.endpoint_id != e.id:
        raise not_found("Delivery")
    return d


def detail(session: Session, d: WebhookDelivery) -> DeliveryDetail:
    attempts = session.execute(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == d.id).order_by(WebhookAttempt.id)
    ).scalars()
    return DeliveryDetail(
        **_delivery_public(d).model_dump(),
        payload=d.payload,
        attempt_log=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts],
    )


def replay(session: Session, d: WebhookDelivery, now: datetime) -> DeliveryDetail:
    """Send it again now, with the same `webhook-id` (receivers deduplicate by it); its
    attempts so far stay in the log and a fresh round of retries begins."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == d.id)
        .values(status="pending", next_attempt_at=now, attempts=0, delivered_at=None)
    )
    session.refresh(d)
    return detail(session, d)
