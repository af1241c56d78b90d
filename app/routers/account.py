"""Account care: change a password, desk reset codes, nickname suggestions, consent, and
taking one's data back (export, deletion)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.accounts import consent, erasure, hashing, resets, schools, takeout
from app.accounts.nicknames import suggest_nicknames
from app.accounts.passwords import ensure_strong
from app.accounts.throttle import client_address, throttle_of
from app.core.problem_docs import problems
from app.core.problems import conflict, forbidden, unprocessable
from app.deps import (
    AdultMember,
    CallerDep,
    ClaimsDep,
    ClockDep,
    CurrentMember,
    SessionDep,
    SettingsDep,
    StaffMember,
    load_caller,
    unit_of_work,
)
from app.models.account import (
    AccountDeletion,
    AccountExport,
    ClassCodeCreate,
    ClassCodeJoin,
    ClassCodePublic,
    ConsentGiven,
    ConsentRecord,
    ConsentText,
    PasswordChange,
    PasswordResetRequest,
    ResetCodeIssued,
    SchoolConfirmation,
)
from app.models.auth import TokenResponse
from app.models.member import MemberPublic
from app.services import auth, libraries
from app.services.members import child_of, describe, library_of

router = APIRouter(tags=["account"])

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$")]
MemberIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/v1/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 429, 503),
)
async def change_password(
    request: Request, data: PasswordChange, claims: ClaimsDep, clock: ClockDep
) -> None:
    """Change your password; every other sign-in of yours ends (this one stays)."""
    now = clock.now()
    engine = request.app.state.engine
    throttle = throttle_of(request.app.state)

    def read() -> tuple[str | None, str | None, str]:
        throttle.hit("password-change", str(claims.member_id), now)
        with unit_of_work(engine, write=False) as session:
            caller = load_caller(session, claims)
            if caller.acting_guardian_id is not None or caller.member.is_child:
                raise forbidden("A child profile has no password.")
            m = caller.member
            return m.password_hash, m.email, m.display_name

    current_hash, email, name = await run_in_threadpool(read)
    ensure_strong(data.new_password, email=email, name=name, field="new_password")
    if not await hashing.verify(data.current_password, current_hash):
        raise unprocessable(
            "The current password is not correct.", field="current_password", slug="wrong-password"
        )
    new_hash = await hashing.hash_(data.new_password)

    def write() -> None:
        with unit_of_work(engine, write=True) as session:
            load_caller(session, claims)  # still signed in
            auth.change_password(session, claims.member_id, new_hash, claims.session_id, now)

    await run_in_threadpool(write)


async def _throttle_reset_issue(request: Request, claims: ClaimsDep, clock: ClockDep) -> None:
    # Counted before the request's own transaction opens (on SQLite a write transaction
    # holds the database: the counter's own transaction could not start inside it).
    throttle = throttle_of(request.app.state)
    now = clock.now()

    def hit() -> None:
        throttle.hit("reset-issue-staff", str(claims.member_id), now)

    await run_in_threadpool(hit)


async def _throttle_class_code(request: Request, claims: ClaimsDep, clock: ClockDep) -> None:
    throttle = throttle_of(request.app.state)
    await run_in_threadpool(throttle.hit, "class-code", str(claims.member_id), clock.now())


@router.post(
    "/v1/libraries/{slug}/members/{member_id}/password-reset",
    status_code=status.HTTP_201_CREATED,
    response_model=ResetCodeIssued,
    responses=problems(401, 403, 404, 409, 429),
)
def issue_reset_code(
    slug: SlugPath,
    member_id: MemberIdPath,
    _throttled: Annotated[None, Depends(_throttle_reset_issue)],
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ResetCodeIssued:
    """Staff, at the desk, for a member who showed their library card: a one-time code
    (expiring, recorded with who issued it) the member redeems in the app."""
    now = clock.now()
    lib = libraries.staffed_by_slug(session, staff, slug)
    return resets.issue(session, settings, staff, lib, member_id, now)


@router.post(
    "/v1/auth/password-reset",
    response_model=TokenResponse,
    responses=problems(400, 429, 503),
)
async def redeem_reset_code(
    request: Request, data: PasswordResetRequest, clock: ClockDep, settings: SettingsDep
) -> TokenResponse:
    """Set a new password with the code staff issued; every sign-in ends and a new one
    starts. Attempts are limited per account and per client address."""
    now = clock.now()
    engine = request.app.state.engine
    throttle = throttle_of(request.app.state)
    address = client_address(request.scope.get("client"))

    def check() -> tuple[int, int, str, str]:
        throttle.hit("signin-address", address, now)
        throttle.hit("reset-account", data.email.strip(), now)
        with unit_of_work(engine, write=False) as session:
            return resets.find_redeemable(session, settings, data.email, data.code, now)

    reset_id, member_id, email, name = await run_in_threadpool(check)
    ensure_strong(data.new_password, email=email, name=name, field="new_password")
    new_hash = await hashing.hash_(data.new_password)

    def write() -> TokenResponse:
        with unit_of_work(engine, write=True) as session:
            resets.redeem(session, reset_id, now)
            auth.change_password(session, member_id, new_hash, None, now)
            return auth.start_session_for(session, settings, member_id, now)

    return await run_in_threadpool(write)


@router.get("/v1/me/nickname-suggestions", response_model=list[str], responses=problems(401, 409))
def nickname_suggestions(member: CurrentMember, session: SessionDep) -> list[str]:
    """Generated nicknames nobody in your library uses (for you or a child)."""
    lib = library_of(session, member)
    return suggest_nicknames(session, lib.id or 0, 5)


@router.post(
    "/v1/libraries/{slug}/class-codes",
    status_code=status.HTTP_201_CREATED,
    response_model=ClassCodePublic,
    responses=problems(401, 403, 404),
)
def create_class_code(
    slug: SlugPath,
    data: ClassCodeCreate,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> ClassCodePublic:
    """Staff: a code to hand out to a school's class; joining with it confirms the school."""
    lib = libraries.staffed_by_slug(session, staff, slug)
    return schools.create_class_code(session, staff, lib, data, clock.now())


@router.post(
    "/v1/libraries/{slug}/members/{member_id}/school-confirmation",
    response_model=MemberPublic,
    responses=problems(401, 403, 404, 409),
)
def confirm_school(
    slug: SlugPath,
    member_id: MemberIdPath,
    data: SchoolConfirmation,
    staff: StaffMember,
    session: SessionDep,
    clock: ClockDep,
) -> MemberPublic:
    """Staff confirm a member's (or child's) school, e.g. from a student card at the desk."""
    lib = libraries.staffed_by_slug(session, staff, slug)
    now = clock.now()
    return describe(session, schools.confirm_school(session, lib, member_id, data.school, now), now)


@router.post("/v1/me/school", response_model=MemberPublic, responses=problems(401, 429))
def join_school(
    data: ClassCodeJoin,
    _throttled: Annotated[None, Depends(_throttle_class_code)],
    caller: CallerDep,
    session: SessionDep,
    clock: ClockDep,
) -> MemberPublic:
    """Join your school with the class code staff handed out: your school is confirmed."""
    now = clock.now()
    member = schools.join_with_code(session, caller.member, data.code, now)
    return describe(session, member, now, caller.acting_guardian_id)


ChildIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/v1/consent/child", response_model=ConsentText, responses=problems())
async def consent_text() -> ConsentText:
    """The consent a guardian gives for a child profile: its version and wording."""
    return consent.current_text()


@router.get(
    "/v1/me/children/{child_id}/consent",
    response_model=list[ConsentRecord],
    responses=problems(401, 403, 404),
)
def child_consents(
    child_id: ChildIdPath, guardian: AdultMember, session: SessionDep
) -> list[ConsentRecord]:
    """Every consent given (and withdrawn) for this child: wording, version, time."""
    child = child_of(session, guardian, child_id)
    return consent.records(session, child.id or 0)


@router.post(
    "/v1/me/children/{child_id}/consent",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentRecord,
    responses=problems(401, 403, 404, 409),
)
def give_consent(
    child_id: ChildIdPath,
    data: ConsentGiven,
    guardian: AdultMember,
    session: SessionDep,
    clock: ClockDep,
) -> ConsentRecord:
    """Give consent again after withdrawing it (the child stays off boards until the
    guardian turns the leaderboard back on)."""
    child = child_of(session, guardian, child_id)
    if consent.has_active(session, child.id or 0):
        raise conflict("Consent is already in force for this child.", "consent-given")
    consent.record(session, guardian, child, consent.ensure_given(data), clock.now())
    return consent.records(session, child.id or 0)[-1]


@router.delete(
    "/v1/me/children/{child_id}/consent",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409),
)
def withdraw_consent(
    child_id: ChildIdPath, guardian: AdultMember, session: SessionDep, clock: ClockDep
) -> None:
    """Withdraw consent: the child leaves every board and every share page at once."""
    child = child_of(session, guardian, child_id)
    consent.withdraw(session, child, clock.now())


def _download(doc: AccountExport, name: str) -> JSONResponse:
    return JSONResponse(
        doc.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/v1/me/export", response_model=AccountExport, responses=problems(401))
def export_my_data(caller: CallerDep, session: SessionDep, clock: ClockDep) -> JSONResponse:
    """All your data as one JSON document: profile, consent, logs, ledger, badges,
    challenges, shares and their views, quizzes, polls, events, reviews."""
    member = caller.member
    return _download(takeout.export(session, member, clock.now()), f"bacaquest-{member.id}.json")


@router.post(
    "/v1/me/deletion",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 422, 429, 503),
)
async def delete_my_account(
    request: Request, data: AccountDeletion, claims: ClaimsDep, clock: ClockDep
) -> None:
    """Delete your account, confirmed with your password: your personal data is erased,
    every sign-in ends, your shares are withdrawn and you leave every board. The child
    profiles you manage are deleted with it. Points already counted stay in the
    library's figures without your name."""
    now = clock.now()
    engine = request.app.state.engine
    throttle = throttle_of(request.app.state)

    def read() -> str | None:
        throttle.hit("password-change", str(claims.member_id), now)
        with unit_of_work(engine, write=False) as session:
            caller = load_caller(session, claims)
            if caller.acting_guardian_id is not None or caller.member.is_child:
                raise forbidden(
                    "A child profile is deleted by its guardian: DELETE /v1/me/children/{id}."
                )
            return caller.member.password_hash

    current_hash = await run_in_threadpool(read)
    if not await hashing.verify(data.password, current_hash):
        raise unprocessable("The password is not correct.", field="password", slug="wrong-password")

    def write() -> None:
        with unit_of_work(engine, write=True) as session:
            erasure.erase(session, load_caller(session, claims).member, now)

    await run_in_threadpool(write)


@router.get(
    "/v1/me/children/{child_id}/export",
    response_model=AccountExport,
    responses=problems(401, 403, 404),
)
def export_child_data(
    child_id: ChildIdPath, guardian: AdultMember, session: SessionDep, clock: ClockDep
) -> JSONResponse:
    """All of a child's data as one JSON document, with the consent given (wording, time)."""
    child = child_of(session, guardian, child_id)
    return _download(takeout.export(session, child, clock.now()), f"bacaquest-{child.id}.json")


@router.delete(
    # Digits only: DELETE on /v1/me/children/claim-card stays a 405, not a child's id.
    "/v1/me/children/{child_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404),
)
def delete_child(
    child_id: ChildIdPath, guardian: AdultMember, session: SessionDep, clock: ClockDep
) -> None:
    """Delete a child's profile: personal data erased, off every board, shares withdrawn;
    a token acting for the child stops working at once."""
    child = child_of(session, guardian, child_id)
    erasure.erase(session, child, clock.now())
