"""Open Badges over HTTP: a member (or a child's guardian) exports an earned badge as a
signed credential; anyone reads a library's issuer profile, keys and achievements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from app.core.config import Settings
from app.core.problem_docs import problems
from app.core.problems import forbidden, not_found
from app.deps import AdultMember, CallerDep, SessionDep, SettingsDep
from app.integrations.openbadges import credentials as ob
from app.models.badge import Badge
from app.models.library import Library
from app.models.member import Member
from app.models.types import DbId
from app.services import badges, libraries, members

router = APIRouter(prefix="/v1", tags=["openbadges"])

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")]
BadgePath = Annotated[DbId, Path(description="The badge's id")]
ChildPath = Annotated[DbId, Path(description="The child profile's id")]


class CredentialExport(BaseModel):
    """An earned badge as an Open Badges 3.0 credential, and the same secured as a JWS
    (`application/vc+jwt`) that any verifier checks against the issuer's published key."""

    credential: dict[str, Any]
    jwt: str
    issuer: str


def _export(
    session: Session, settings: Settings, member: Member, badge_id: int
) -> CredentialExport:
    lib = members.library_of(session, member)
    badge, award = badges.earned_award(session, member, badge_id)
    cred = ob.credential(settings, lib, badge, award, member)
    return CredentialExport(
        credential=cred, jwt=ob.signed(settings, lib, cred), issuer=ob.issuer_url(settings, lib)
    )


@router.get(
    "/me/badges/{badge_id}/credential",
    response_model=CredentialExport,
    responses=problems(401, 403, 404),
)
def export_badge(
    badge_id: BadgePath, caller: CallerDep, session: SessionDep, settings: SettingsDep
) -> CredentialExport:
    """Export one of my earned badges as an Open Badges 3.0 credential."""
    if caller.member.is_child and caller.acting_guardian_id is None:
        raise forbidden("A child's badges are exported by their guardian.")
    return _export(session, settings, caller.member, badge_id)


@router.get(
    "/me/children/{child_id}/badges/{badge_id}/credential",
    response_model=CredentialExport,
    responses=problems(401, 403, 404),
)
def export_child_badge(
    child_id: ChildPath,
    badge_id: BadgePath,
    guardian: AdultMember,
    session: SessionDep,
    settings: SettingsDep,
) -> CredentialExport:
    """A guardian exports their child's earned badge; the child is named only by a hash."""
    child = members.child_of(session, guardian, child_id)
    return _export(session, settings, child, badge_id)


def _library(session: Session, slug: str) -> Library:
    return libraries.get_by_slug(session, slug)


@router.get("/libraries/{slug}/issuer", response_model=dict[str, Any], responses=problems(404))
def issuer_profile(slug: SlugPath, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """The library's Open Badges issuer profile, with its public signing key."""
    return ob.issuer_profile(settings, _library(session, slug))


@router.get("/libraries/{slug}/issuer/jwks", response_model=dict[str, Any], responses=problems(404))
def issuer_keys(slug: SlugPath, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """The library's public signing keys as a JWK set."""
    return ob.jwks(settings, _library(session, slug))


@router.get(
    "/libraries/{slug}/achievements/{badge_id}",
    response_model=dict[str, Any],
    responses=problems(404),
)
def achievement(
    slug: SlugPath, badge_id: BadgePath, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """A badge of the library as an Open Badges 3.0 Achievement."""
    lib = _library(session, slug)
    badge = session.execute(
        select(Badge).where(Badge.id == badge_id, Badge.library_id == lib.id)
    ).scalar_one_or_none()
    if badge is None:
        raise not_found("Badge")
    return ob.achievement(settings, lib, badge)
