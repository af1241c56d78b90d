"""One SLiMS import as a loop of pages: read a page from the source, apply its rows and
advance the stored cursor in one unit of work, then the next page. A run that fails
(the network, the source, the process) keeps every page before the failure and the
next run resumes after it; a finished run moves the high-water mark, so the next run
reads only what changed since."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.integrations.slims import cards, catalogue, oai, source_csv, source_db
from app.integrations.slims.records import CatalogueRecord, MemberRecord, Page
from app.models.slims import ImportReport, ImportRow, SlimsCursor

R = TypeVar("R", CatalogueRecord, MemberRecord)
Units = Callable[[], AbstractContextManager[Session]]
Stream = Literal["catalogue", "members"]
Route = Literal["oai", "db", "csv"]
Fetch = Callable[[str | None, str | None], Page[R]]
Apply = Callable[[Session, int, R, datetime], ImportRow]


def _cursor(
    session: Session, library_id: int, stream: str, route: str, now: datetime
) -> SlimsCursor:
    stmt = select(SlimsCursor).where(
        SlimsCursor.library_id == library_id,
        SlimsCursor.stream == stream,
        SlimsCursor.route == route,
    )
    found = session.execute(stmt).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            made = SlimsCursor(library_id=library_id, stream=stream, route=route, updated_at=now)
            session.add(made)
            session.flush()
    except IntegrityError:
        return session.execute(stmt).scalar_one()
    return made


def _run(
    units: Units,
    library_id: int,
    stream: Stream,
    route: Route,
    fetch: Fetch[R],
    apply: Apply[R],
    now: datetime,
    *,
    full: bool,
    max_pages: int,
    mark_of_first_page: bool,
) -> ImportReport:
    report = ImportReport(stream=stream, route=route, complete=False)
    with units() as session:
        cur = _cursor(session, library_id, stream, route, now)
        if full:
            cur.position, cur.high_water, cur.started_mark = None, None, None
            session.add(cur)
        position, since = cur.position, cur.high_water
    for _ in range(max_pages):
        try:
            page = fetch(position, since)
        except oai.BadResumptionToken:
            # The server forgot the token (they expire): harvest again from the mark;
            # the records already stored are skipped as unchanged.
            position = None
            page = fetch(None, since)
        with units() as session:
            for source_id, reason in page.broken:
                report.add(ImportRow(source_id=source_id, action="skipped", reason=reason))
            for record in page.records:
                report.add(apply(session, library_id, record, now))
            cur = _cursor(session, library_id, stream, route, now)
            if page.mark and (not mark_of_first_page or position is None):
                cur.started_mark = page.mark
            cur.position = page.next_position
            if page.next_position is None:
                # OAI-PMH `from` takes a date: the day the harvest started.
                mark = cur.started_mark
                if mark and mark_of_first_page:
                    mark = mark[:10]
                cur.high_water = mark or cur.high_water
                cur.started_mark = None
            cur.updated_at = now
            session.add(cur)
        position = page.next_position
        if position is None:
            report.complete = True
            break
    return report


def catalogue_from_oai(
    units: Units,
    library_id: int,
    url: str,
    now: datetime,
    *,
    full: bool = False,
    max_pages: int = 10_000,
) -> ImportReport:
    def fetch(position: str | None, since: str | None) -> Page[CatalogueRecord]:
        return oai.fetch_page(url, since=since, token=position)

    return _run(
        units,
        library_id,
        "catalogue",
        "oai",
        fetch,
        catalogue.apply_record,
        now,
        full=full,
        max_pages=max_pages,
        mark_of_first_page=True,
    )


def _from_db(
    units: Units,
    library_id: int,
    url: str,
    now: datetime,
    stream: Stream,
    page_of: Callable[[Engine, str | None, str | None], Page[R]],
    apply: Apply[R],
    *,
    full: bool,
    max_pages: int,
) -> ImportReport:
    """A run reading the SLiMS database itself, connected for the run's length."""
    engine = source_db.connect(url)
    try:

        def fetch(position: str | None, since: str | None) -> Page[R]:
            return page_of(engine, position, since)

        return _run(
            units,
            library_id,
            stream,
            "db",
            fetch,
            apply,
            now,
            full=full,
            max_pages=max_pages,
            mark_of_first_page=False,
        )
    finally:
        engine.dispose()


def catalogue_from_db(
    units: Units,
    library_id: int,
    url: str,
    now: datetime,
    *,
    full: bool = False,
    max_pages: int = 10_000,
) -> ImportReport:
    return _from_db(
        units,
        library_id,
        url,
        now,
        "catalogue",
        source_db.catalogue_page,
        catalogue.apply_record,
        full=full,
        max_pages=max_pages,
    )


def members_from_db(
    units: Units,
    library_id: int,
    url: str,
    now: datetime,
    *,
    full: bool = False,
    max_pages: int = 10_000,
) -> ImportReport:
    return _from_db(
        units,
        library_id,
        url,
        now,
        "members",
        source_db.members_page,
        cards.apply_member,
        full=full,
        max_pages=max_pages,
    )


def members_from_csv(
    units: Units,
    library_id: int,
    data: bytes,
    now: datetime,
    *,
    full: bool = False,
    max_pages: int = 10_000,
) -> ImportReport:
    """The same file again resumes where a failed run stopped; another file starts over."""
    file_id = source_csv.file_digest(data)

    def fetch(position: str | None, _since: str | None) -> Page[MemberRecord]:
        start = 1
        if position and position.startswith(f"{file_id}:"):
            start = int(position.rpartition(":")[2] or 1)
        page = source_csv.members_page(data, start)
        page.next_position = f"{file_id}:{page.next_position}" if page.next_position else None
        return page

    return _run(
        units,
        library_id,
        "members",
        "csv",
        fetch,
        cards.apply_member,
        now,
        full=full,
        max_pages=max_pages,
        mark_of_first_page=False,
    )
