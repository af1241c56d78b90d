"""Webhooks over HTTP, for a library's staff: register partner endpoints, change or
remove them, rotate the signing secret, read the delivery log and replay a delivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, SessionDep, SettingsDep, StaffLibrary, StaffMember
from app.integrations.webhooks import service
from app.models.webhooks import (
    EVENT_TYPES,
    DeliveryDetail,
    DeliveryPublic,
    DeliveryStatus,
    EndpointCreate,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypePublic,
)

router = APIRouter(prefix="/v1/integrations/webhooks", tags=["webhooks"])
EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeliveryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/event-types", response_model=list[EventTypePublic], responses=problems(401, 403))
def list_webhook_event_types(staff: StaffMember) -> list[EventTypePublic]:
    """The events a partner can subscribe to."""
    return [EventTypePublic(type=t, description=d) for t, d in EVENT_TYPES.items()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EndpointWithSecret,
    responses=problems(401, 403, 404, 422),
)
def create_webhook_endpoint(
    data: EndpointCreate,
    library: StaffLibrary,
    staff: StaffMember,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> EndpointWithSecret:
    """Register a partner's endpoint; the answer holds its signing secret (`whsec_...`)."""
    return service.create(session, library.id or 0, staff, data, settings.environment, clock.now())


@router.get("", response_model=list[EndpointPublic], responses=problems(401, 403, 404))
def list_webhook_endpoints(library: StaffLibrary, session: SessionDep) -> list[EndpointPublic]:
    """The library's endpoints, with whether each is enabled or failing."""
    return [service.public(e) for e in service.list_for(session, library.id or 0)]


@router.get("/{endpoint_id:int}", response_model=EndpointPublic, responses=problems(401, 403, 404))
def get_webhook_endpoint(
    endpoint_id: EndpointId, library: StaffLibrary, session: SessionDep
) -> EndpointPublic:
    return service.public(service.own(session, library.id or 0, endpoint_id))


@router.patch(
    "/{endpoint_id:int}", response_model=EndpointPublic, responses=problems(401, 403, 404, 422)
)
def update_webhook_endpoint(
    endpoint_id: EndpointId,
    data: EndpointUpdate,
    library: StaffLibrary,
    session: SessionDep,
    settings: SettingsDep,
) -> EndpointPublic:
    """Change the address, description or events; `enabled: true` restarts an endpoint
    disabled after failures (its waiting deliveries go out again)."""
    e = service.own(session, library.id or 0, endpoint_id)
    return service.change(session, e, data, settings.environment)


@router.delete(
    # Digits only: /event-types is not an endpoint id, and DELETE on it stays a 405.
    "/{endpoint_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404),
)
def delete_webhook_endpoint(
    endpoint_id: EndpointId, library: StaffLibrary, session: SessionDep, clock: ClockDep
) -> None:
    """Stop sending to this endpoint; its delivery log is kept."""
    service.remove(session, service.own(session, library.id or 0, endpoint_id), clock.now())


@router.post(
    "/{endpoint_id}/secret",
    response_model=EndpointWithSecret,
    responses=problems(401, 403, 404),
)
def rotate_webhook_secret(
    endpoint_id: EndpointId, library: StaffLibrary, session: SessionDep, clock: ClockDep
) -> EndpointWithSecret:
    """A new signing secret; for 24 hours deliveries carry signatures by both secrets."""
    return service.rotate(session, service.own(session, library.id or 0, endpoint_id), clock.now())


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[DeliveryPublic],
    responses=problems(400, 401, 403, 404),
)
def list_webhook_deliveries(
    endpoint_id: EndpointId,
    library: StaffLibrary,
    session: SessionDep,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    status_filter: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only deliveries in this state")
    ] = None,
) -> Page[DeliveryPublic]:
    """The delivery log, newest first."""
    e = service.own(session, library.id or 0, endpoint_id)
    items, nxt = service.deliveries(session, e, status_filter, limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    responses=problems(401, 403, 404),
)
def get_webhook_delivery(
    endpoint_id: EndpointId, delivery_id: DeliveryId, library: StaffLibrary, session: SessionDep
) -> DeliveryDetail:
    """One delivery: its payload and every attempt with the endpoint's response."""
    e = service.own(session, library.id or 0, endpoint_id)
    return service.detail(session, service.own_delivery(session, e, delivery_id))


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryDetail,
    responses=problems(401, 403, 404),
)
def replay_webhook_delivery(
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    library: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> DeliveryDetail:
    """Send a delivery again (same `webhook-id`), now and with fresh retries."""
    e = service.own(session, library.id or 0, endpoint_id)
    return service.replay(session, service.own_delivery(session, e, delivery_id), clock.now())
