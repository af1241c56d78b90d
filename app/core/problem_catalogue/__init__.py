"""The catalogue of named problems: each kind has a stable `type` (its slug), a status and
a wording in every language. The wording lives in one file per language (id.py, en.py):
a language is one new file that registers a `ProblemTexts` for its code.

A kind is named `area.what` ("challenge.hashtag-taken"); its title is its type's title
(one per slug), its detail a template of the kind's parameters ("{tag}")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.i18n import Catalogues


@dataclass(frozen=True, slots=True)
class Kind:
    status: int
    slug: str  # the stable part of `type`: urn:bacaquest:problem:<slug>
    field: str | None = None  # the request field a 422 points at


@dataclass(frozen=True, slots=True)
class ProblemTexts:
    """One language's words: a title per type, a detail per kind, the names of things
    ("Challenge"), and the messages of a validation error per pydantic error type."""

    titles: Mapping[str, str]
    details: Mapping[str, str]
    terms: Mapping[str, str] = field(default_factory=dict)
    field_messages: Mapping[str, str] = field(default_factory=dict)


KINDS: dict[str, Kind] = {
    # The protocol: requests the API cannot take, whatever they are about.
    "request.invalid": Kind(422, "validation"),
    "request.invalid-fields": Kind(422, "validation"),
    "request.value-cannot-be-stored": Kind(422, "validation"),
    "request.field-null": Kind(422, "validation"),
    "request.no-resource": Kind(404, "not-found"),
    "request.method-not-allowed": Kind(405, "method-not-allowed"),
    "request.internal": Kind(500, "internal"),
    "request.not-ready": Kind(503, "not-ready"),
    "auth.token-required": Kind(401, "unauthorized"),
    "auth.token-invalid": Kind(401, "unauthorized"),
    "not-found": Kind(404, "not-found"),
    "no-library": Kind(409, "no-library"),
    # Challenges.
    "challenge.staff-only": Kind(403, "forbidden"),
    "challenge.hashtag-taken": Kind(409, "hashtag-taken"),
    "challenge.unreachable": Kind(422, "unreachable", "target"),
    "challenge.badge-elsewhere": Kind(422, "validation", "badge_id"),
    "challenge.already-over": Kind(422, "validation", "ends_on"),
    "challenge.started-keeps-start": Kind(409, "started"),
    "challenge.started-not-harder": Kind(409, "started"),
    "challenge.started-keeps-hashtag": Kind(409, "started"),
    "challenge.end-early-today": Kind(422, "validation", "ends_on"),
    "challenge.ends-before-start": Kind(422, "validation", "ends_on"),
    "challenge.too-long": Kind(422, "validation", "ends_on"),
    "challenge.started-not-deleted": Kind(409, "started"),
    "challenge.over": Kind(409, "challenge-over"),
    "challenge.not-for-age": Kind(403, "forbidden"),
    "challenge.completed-stays": Kind(409, "completed"),
    # Reading logs (raised on the write path).
    "reading.read-on-future": Kind(422, "validation", "read_on"),
    "reading.read-on-today-only": Kind(422, "validation", "read_on"),
    "reading.read-on-too-old": Kind(422, "validation", "read_on"),
    "reading.child-logs-own": Kind(403, "forbidden"),
    "reading.batch-item-invalid": Kind(422, "validation"),
    "reading.batch-duplicate-client-id": Kind(422, "duplicate-client-id", "client_id"),
    # Members and children.
    "member.nickname-taken": Kind(409, "already-taken"),
    "member.display-name-empty": Kind(422, "validation", "display_name"),
    "member.opt-out-not-boolean": Kind(422, "validation", "leaderboard_opt_out"),
    "member.language-unknown": Kind(422, "validation", "language"),
    "member.minor-needs-nickname": Kind(422, "validation", "nickname"),
    "member.child-cannot-add-children": Kind(403, "forbidden"),
    "member.birth-year-future": Kind(422, "validation", "birth_year"),
    "member.child-too-old": Kind(422, "validation", "birth_year"),
    "member.too-many-children": Kind(409, "too-many"),
    # Shares.
    "share.log-not-counted": Kind(409, "not-accepted"),
    "share.month-not-begun": Kind(422, "validation", "subject.month"),
    "share.not-ranked": Kind(409, "not-ranked"),
    "share.no-consent": Kind(409, "no-consent"),
    "share.removed": Kind(410, "gone"),
    "idempotency.in-flight": Kind(409, "idempotency-in-flight"),
    "idempotency.key-reused": Kind(422, "idempotency-key-reused"),
}

CATALOGUES: Catalogues[ProblemTexts] = Catalogues("problems")
CATALOGUES.discover(__name__)
