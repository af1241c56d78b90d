"""SLiMS over HTTP: staff import the catalogue (OAI-PMH) and the member export (CSV);
members claim their account with their library card; guardians claim a child's card."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status

from app.core.problem_docs import problems
from app.core.problems import bad_request, unprocessable
from app.deps import AdultMember, ClockDep, CurrentMember, SessionDep, SettingsDep, StaffLibrary
from app.integrations.slims import claims, oai, runs, source_csv
from app.integrations.webhooks import events
from app.models.auth import RegisterResponse
from app.models.member import ChildPublic
from app.models.slims import CardClaim, CardLink, CardPublic, ImportReport, OaiImportRequest
from app.services import auth, members

router = APIRouter(prefix="/v1", tags=["integrations"])


@router.post(
    "/integrations/slims/catalogue/oai",
    response_model=ImportReport,
    responses=problems(400, 401, 403, 422),
)
def import_catalogue_oai(
    data: OaiImportRequest, library: StaffLibrary, session: SessionDep, clock: ClockDep
) -> ImportReport:
    """Harvest the library's SLiMS catalogue by OAI-PMH (`oai_dc`), from where the last
    harvest stopped; `complete: false` means call again to continue. Idempotent."""
    try:
        return runs.catalogue_from_oai(
            lambda: nullcontext(session),
            library.id or 0,
            data.url,
            clock.now(),
            full=data.full,
            max_pages=data.max_pages,
        )
    except oai.HarvestError as exc:
        raise bad_request(str(exc), "harvest-failed") from None


@router.post(
    "/integrations/slims/members/csv",
    response_model=ImportReport,
    responses=problems(400, 401, 403, 413, 422),
)
def import_members_csv(
    file: Annotated[UploadFile, File(description="SLiMS's member export, with its header row")],
    library: StaffLibrary,
    session: SessionDep,
    clock: ClockDep,
) -> ImportReport:
    """Import SLiMS's member export: each card waits to be claimed by its holder (or a
    child's guardian). Broken rows are reported and the rest imported. Idempotent."""
    data = file.file.read(source_csv.MAX_BYTES + 1)
    if len(data) > source_csv.MAX_BYTES:
        raise unprocessable("The file is larger than 20 MB.", field="file", slug="too-large")
    try:
        return runs.members_from_csv(
            lambda: nullcontext(session), library.id or 0, data, clock.now()
        )
    except source_csv.CsvError as exc:
        raise unprocessable(str(exc), field="file") from None


@router.post(
    "/integrations/slims/claim",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisterResponse,
    responses=problems(401, 403, 409, 422, 429),
)
def claim_account(
    data: CardClaim, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> RegisterResponse:
    """Claim an account with a library card: the card number and the holder's birth date
    (as SLiMS has it), then a password. A child's card is claimed by a guardian."""
    now = clock.now()
    member = claims.claim_account(session, data, now)
    events.after_join(session, settings.secret_key, member, now)
    tokens = auth.start_session(session, settings, member, now)
    return RegisterResponse(**tokens.model_dump(), member=members.describe(session, member, now))


@router.post(
    "/me/library-card",
    status_code=status.HTTP_201_CREATED,
    response_model=CardPublic,
    responses=problems(401, 403, 409, 422, 429),
)
def link_library_card(
    data: CardLink, member: CurrentMember, session: SessionDep, clock: ClockDep
) -> CardPublic:
    """Link the library card to the account one already has."""
    return claims.link_card(session, member, data, clock.now())


@router.post(
    "/me/children/claim-card",
    status_code=status.HTTP_201_CREATED,
    response_model=ChildPublic,
    responses=problems(401, 403, 409, 422, 429),
)
def claim_child_card(
    data: CardLink,
    guardian: AdultMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ChildPublic:
    """A guardian claims their child's library card: a child profile under them."""
    now = clock.now()
    child = claims.claim_child(session, guardian, data, now)
    events.after_join(session, settings.secret_key, child, now, personal=False)
    year = members.current_year(session, guardian, now)
    return members.child_public(child, year)


__all__ = ["router"]
