"""Events over HTTP: staff create and manage them; members list, register and check in."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import HTMLResponse

from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.problem_docs import problems
from app.deps import ClockDep, CurrentMember, SessionDep, SettingsDep, StaffLibrary, StaffMember
from app.integrations.webhooks import events
from app.models.events import (
    CheckInIn,
    CheckInResult,
    Event,
    EventCreate,
    EventFigures,
    EventPublic,
    EventStaffView,
    EventUpdate,
    RegistrationRow,
)
from app.models.library import Library
from app.programmes.events import checkin, figures, qr, registration, service
from app.scoring.programmes import normalize_code
from app.services.members import library_of

router = APIRouter(prefix="/v1/events", tags=["events"])
pages = APIRouter(tags=["pages"])

EventId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def get_visible_event(event_id: EventId, member: CurrentMember, session: SessionDep) -> Event:
    return service.visible(session, member, event_id)


def get_managed_event(event_id: EventId, staff: StaffMember, session: SessionDep) -> Event:
    return service.editable(session, staff, event_id)


VisibleEvent = Annotated[Event, Depends(get_visible_event)]
ManagedEvent = Annotated[Event, Depends(get_managed_event)]


def _library(session: SessionDep, ev: Event) -> Library:
    lib = session.get(Library, ev.library_id)
    assert lib is not None
    return lib


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EventStaffView,
    responses=problems(401, 403),
)
def create_event(
    data: EventCreate,
    staff: StaffMember,
    lib: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> EventStaffView:
    """Create an event of your library; the answer carries its secret check-in code."""
    ev = service.create(session, staff, lib, data, clock.now())
    return service.staff_view(session, ev, lib, staff, settings.public_base_url)


@router.get("", response_model=Page[EventPublic], responses=problems(401, 409))
def list_events(
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[Literal["upcoming", "past"], Query()] = "upcoming",
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[EventPublic]:
    """Your library's events: upcoming (and running) soonest first, or past latest first."""
    lib = library_of(session, member)
    items, nxt = service.list_for(session, member, lib, status, clock.now(), limit, cursor)
    return Page(items=items, next_cursor=nxt)


@router.post("/check-in", response_model=CheckInResult, responses=problems(401, 403, 404, 409, 429))
def check_in(
    data: CheckInIn,
    member: CurrentMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> CheckInResult:
    """Record your attendance with the code announced at the event (or read from its QR
    code), inside the event's check-in window; earns the event's points once."""
    now = clock.now()
    result = checkin.check_in(session, member, data, now)
    events.after_check_in(session, settings.secret_key, member, result, now)
    return result


@router.get("/{event_id:int}", response_model=EventPublic, responses=problems(401, 404))
def get_event(ev: VisibleEvent, member: CurrentMember, session: SessionDep) -> EventPublic:
    """One event, with your registration (or place on the waitlist)."""
    return service.public(session, ev, _library(session, ev), member)


@router.get(
    "/{event_id:int}/manage", response_model=EventStaffView, responses=problems(401, 403, 404)
)
def get_event_for_staff(
    ev: ManagedEvent, staff: StaffMember, session: SessionDep, settings: SettingsDep
) -> EventStaffView:
    """One event with its check-in code and link (staff)."""
    return service.staff_view(session, ev, _library(session, ev), staff, settings.public_base_url)


@router.post(
    "/{event_id:int}/registration",
    response_model=EventPublic,
    responses=problems(401, 403, 404, 409),
)
def register_for_event(
    ev: VisibleEvent, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> EventPublic:
    """Take a place, or join the waitlist when the event is full (asking again is harmless)."""
    lib = _library(session, ev)
    ev = registration.register(session, member, ev.id or 0, lib.timezone, clock.now())
    return service.public(session, ev, lib, member)


@router.delete(
    "/{event_id:int}/registration",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 409),
)
def cancel_registration(
    ev: VisibleEvent, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> None:
    """Give up your place (the first on the waitlist moves up) or your place in line."""
    registration.cancel_registration(session, member, ev.id or 0, clock.now())


@router.patch(
    "/{event_id:int}", response_model=EventStaffView, responses=problems(401, 403, 404, 409)
)
def update_event(
    ev: ManagedEvent,
    data: EventUpdate,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> EventStaffView:
    """Edit an event that is not over (staff); more places move the waitlist up."""
    lib = _library(session, ev)
    ev = service.update_event(session, ev.id or 0, lib, data, clock.now())
    return service.staff_view(session, ev, lib, staff, settings.public_base_url)


@router.post(
    "/{event_id:int}/cancel", response_model=EventStaffView, responses=problems(401, 403, 404, 409)
)
def cancel_event(
    ev: ManagedEvent,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> EventStaffView:
    """Cancel an event that is not over (staff): no more registrations or check-ins."""
    ev = service.cancel_event(session, ev.id or 0, clock.now())
    return service.staff_view(session, ev, _library(session, ev), staff, settings.public_base_url)


@router.get(
    "/{event_id:int}/figures", response_model=EventFigures, responses=problems(401, 403, 404)
)
def event_figures(ev: ManagedEvent, session: SessionDep) -> EventFigures:
    """Registrations, waitlist, cancellations, attendance and points awarded (staff)."""
    return figures.figures(session, ev)


@router.get(
    "/{event_id:int}/registrations",
    response_model=Page[RegistrationRow],
    responses=problems(401, 403, 404),
)
def list_registrations(
    ev: ManagedEvent, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[RegistrationRow]:
    """Who registered or waits, and who attended (staff; children by nickname)."""
    items, nxt = figures.registrations(session, ev, limit, cursor)
    return Page(items=items, next_cursor=nxt)


IMAGE: dict[str, Any] = {"content": {"image/png": {}, "image/svg+xml": {}}}


@router.get(
    "/{event_id:int}/qr.{fmt}",
    response_class=Response,
    responses={**problems(401, 403, 404), 200: {**IMAGE, "description": "The QR code"}},
)
def event_qr(
    ev: ManagedEvent,
    fmt: Literal["png", "svg"],
    settings: SettingsDep,
    scale: Annotated[int, Query(ge=2, le=40)] = 10,
) -> Response:
    """The QR code of the event's check-in link, to print (PNG) or show (SVG) (staff)."""
    url = service.check_in_url(settings.public_base_url, ev.code)
    return Response(
        qr.render(url, fmt, scale=scale),
        media_type=qr.MEDIA_TYPES[fmt],
        headers={"Cache-Control": "private, no-store"},
    )


_CHECK_IN_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Check-in acara BacaQuest</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto;
 padding: 0 1rem; text-align: center">
<h1>Check-in acara</h1>
<p>Buka aplikasi BacaQuest untuk mencatat kehadiranmu. Kode acara:</p>
<p style="font-size: 2rem; letter-spacing: .3rem"><strong>{code}</strong></p>
<p lang="en">Open the BacaQuest app to check in. Event code: <strong>{code}</strong></p>
</body></html>
"""


@pages.get(
    "/e/{code}",
    response_class=HTMLResponse,
    responses={
        **problems(),
        200: {"content": {"text/html": {}}, "description": "The page"},
        404: {"content": {"text/html": {}}, "description": "Not a check-in code"},
    },
)
def check_in_page(code: Annotated[str, Path(max_length=40)]) -> HTMLResponse:
    """Where an event's QR code leads: the app opens it; a browser shows the code to enter."""
    normalized = normalize_code(code)
    if normalized is None:
        return HTMLResponse(_CHECK_IN_PAGE.format(code=html.escape("-")), 404)
    return HTMLResponse(_CHECK_IN_PAGE.format(code=html.escape(normalized)))
