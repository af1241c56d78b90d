"""The summary and the time series as the API serves them: JSON, kept per process while
the library's head (`versions.head`) reads the same.

A call costs the caller's sign-in check and the head (two plain statements); figures
are recomputed only when the head moved. The summary's challenges are read every time
(their participants join and progress through writes the rollups do not see).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.analytics import service, versions
from app.analytics.schemas import Compare, Interval, Summary
from app.analytics.scope import Query, Scope, Viewer, pick_library
from app.core.clock import local_date


def library_head(session: Session, caller: Viewer, slug: str | None) -> versions.Head:
    """The library the caller may read (`pick_library`), with its head."""
    return pick_library(
        caller,
        slug,
        lambda s: versions.head(session, slug=s),
        lambda i: versions.head(session, library_id=i),
    )


def scope_of(head: versions.Head, now: datetime, role: str) -> Scope:
    return Scope(head, local_date(now, head.timezone), is_admin=role == "admin")


def _key(kind: str, scope: Scope, q: Query, *rest: object) -> tuple[object, ...]:
    """What a kept answer is for (the slug and time zone it shows among them)."""
    lib = scope.library
    where = (scope.library_id, lib.slug, lib.timezone)
    return (kind, *where, q.start, q.end, q.age_group, q.school, q.challenge_id, *rest)


def summary_json(
    session: Session, head: versions.Head, scope: Scope, q: Query, figures: Session
) -> bytes:
    """The summary's JSON: the figures kept while `head` stands (read on `figures`, the
    session of the replica or the primary), the challenges read now."""
    key = _key("summary", scope, q)
    found: tuple[Summary, bytes] | None = versions.kept(session, key, head.stamp)
    if found is None:
        stamp = head.stamp if figures is session else versions.version(figures, head.library_id)
        figured = service.summary(figures, scope, q, challenges=False)
        found = (figured, figured.model_dump_json().encode())
        if stamp == head.stamp:
            versions.keep(session, key, head.stamp, found)
    challenges = service.challenge_figures(figures, scope, q, hot=True)
    if not challenges:
        return found[1]
    return found[0].model_copy(update={"challenges": challenges}).model_dump_json().encode()


def timeseries_json(
    session: Session,
    head: versions.Head,
    scope: Scope,
    q: Query,
    figures: Session,
    metric: str,
    interval: Interval,
    compare: Compare,
) -> bytes:
    """The time series' JSON, kept while the library's version stands."""
    key = _key("series", scope, q, metric, interval, compare)
    found: bytes | None = versions.kept(session, key, head.version)
    if found is None:
        stamp = head.stamp if figures is session else versions.version(figures, head.library_id)
        body = service.timeseries(figures, scope, q, metric, interval, compare)
        found = body.model_dump_json().encode()
        if stamp is not None and stamp[0] == head.version:
            versions.keep(session, key, head.version, found)
    return found
