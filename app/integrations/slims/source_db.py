"""A read-only connection to a SLiMS database (MySQL/MariaDB): pages of `biblio` with
their authors and topics, and of `member`, in `last_update` order, keyset-paged so an
import resumes after the last row it stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Row, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.integrations.slims.records import CatalogueRecord, MemberRecord, Page, parse_date

R = TypeVar("R", CatalogueRecord, MemberRecord)

# Only the columns read; SLiMS's tables have many more.
slims = MetaData()
biblio = Table(
    "biblio",
    slims,
    Column("biblio_id", Integer, primary_key=True),
    Column("title", String),
    Column("isbn_issn", String),
    Column("language_id", String),
    Column("input_date", DateTime),
    Column("last_update", DateTime),
)
mst_author = Table(
    "mst_author",
    slims,
    Column("author_id", Integer, primary_key=True),
    Column("author_name", String),
)
biblio_author = Table(
    "biblio_author",
    slims,
    Column("biblio_id", Integer),
    Column("author_id", Integer),
    Column("level", Integer),
)
mst_topic = Table(
    "mst_topic", slims, Column("topic_id", Integer, primary_key=True), Column("topic", String)
)
biblio_topic = Table(
    "biblio_topic",
    slims,
    Column("biblio_id", Integer),
    Column("topic_id", Integer),
    Column("level", Integer),
)
member = Table(
    "member",
    slims,
    Column("member_id", String, primary_key=True),
    Column("member_name", String),
    Column("birth_date", String),  # SLiMS may hold '0000-00-00': read as text, parsed here
    Column("member_email", String),
    Column("member_phone", String),
    Column("inst_name", String),
    Column("expire_date", String),
    Column("input_date", Date),
    Column("last_update", Date),
)

EPOCH = dt.datetime(1970, 1, 1)
PAGE_SIZE = 200


class SourceError(Exception):
    """The SLiMS database could not be read."""


def connect(url: str) -> Engine:
    """An engine on the SLiMS database whose every transaction is read-only."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SourceError(f"not a database URL: {exc}") from None
    if parsed.get_backend_name() not in ("mysql", "mariadb"):
        raise SourceError("SLiMS runs on MySQL or MariaDB: use mysql+pymysql://user@host/db")
    engine = create_engine(parsed, pool_size=1, max_overflow=0, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()

    return engine


def _key(position: str | None) -> tuple[str, str] | None:
    if not position or "|" not in position:
        return None
    stamp, _, ident = position.partition("|")
    return stamp, ident


def _after(
    stamp_col: Any, id_col: Any, position: str | None, floor: str | None, *, numeric: bool
) -> Any:
    stamp = func.coalesce(stamp_col, EPOCH)
    key = _key(position)
    if key is not None:
        ident: int | str = key[1]
        if numeric:
            ident = int(key[1]) if key[1].isdigit() else 0
        return or_(stamp > key[0], and_(stamp == key[0], id_col > ident))
    if floor:
        return stamp >= floor
    return None


def _stamp(value: dt.date | dt.datetime | str | None) -> str:
    if isinstance(value, str):
        return value[:19]
    if value is None:
        return EPOCH.isoformat(sep=" ")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value.isoformat()


@contextmanager
def _connected(engine: Engine) -> Iterator[Connection]:
    """A connection to the SLiMS database; its failures said as a SourceError."""
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise SourceError(
            f"the SLiMS database could not be read: {exc.__class__.__name__}: "
            f"{getattr(exc, 'orig', exc)}"
        ) from exc


def _listed(
    conn: Connection, ids: list[int], link: Table, master: Table, key: str, name: str
) -> dict[int, list[str]]:
    """Per biblio of `ids`, the names it links to (authors, topics), in its own order."""
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for bid, value in conn.execute(
        select(link.c.biblio_id, master.c[name])
        .join(master, master.c[key] == link.c[key])
        .where(link.c.biblio_id.in_(ids))
        .order_by(link.c.biblio_id, link.c.level, link.c[key])
    ):
        found.setdefault(bid, []).append(value or "")
    return found


def _ended(page: Page[R], rows: Sequence[Row[Any]], size: int, key: str) -> Page[R]:
    """`page` with the mark of its last row, and where the next page starts if it is full."""
    if rows:
        page.mark = _stamp(rows[-1].stamp)
    if len(rows) == size:
        page.next_position = f"{page.mark}|{getattr(rows[-1], key)}"
    return page


def catalogue_page(
    engine: Engine, position: str | None, since: str | None, size: int | None = None
) -> Page[CatalogueRecord]:
    """Up to `size` biblio rows changed at or after `since`, after `position`."""
    size = size or PAGE_SIZE
    stamp = func.coalesce(biblio.c.last_update, biblio.c.input_date, EPOCH).label("stamp")
    stmt = (
        select(biblio.c.biblio_id, biblio.c.title, biblio.c.isbn_issn, biblio.c.language_id, stamp)
        .order_by(stamp, biblio.c.biblio_id)
        .limit(size)
    )
    where = _after(
        func.coalesce(biblio.c.last_update, biblio.c.input_date),
        biblio.c.biblio_id,
        position,
        since,
        numeric=True,
    )
    if where is not None:
        stmt = stmt.where(where)
    with _connected(engine) as conn:
        rows = conn.execute(stmt).all()
        ids = [r.biblio_id for r in rows]
        authors = _listed(conn, ids, biblio_author, mst_author, "author_id", "author_name")
        topics = _listed(conn, ids, biblio_topic, mst_topic, "topic_id", "topic")
    page: Page[CatalogueRecord] = Page()
    for r in rows:
        page.records.append(
            CatalogueRecord(
                source_id=str(r.biblio_id),
                title=r.title or "",
                authors=tuple(a for a in authors.get(r.biblio_id, []) if a.strip()),
                isbn_issn=r.isbn_issn or "",
                topics=tuple(t for t in topics.get(r.biblio_id, []) if t.strip()),
                language=r.language_id,
            )
        )
    return _ended(page, rows, size, "biblio_id")


def members_page(
    engine: Engine, position: str | None, since: str | None, size: int | None = None
) -> Page[MemberRecord]:
    """Up to `size` member rows changed at or after `since`, after `position`."""
    size = size or PAGE_SIZE
    stamp = func.coalesce(member.c.last_update, member.c.input_date, EPOCH.date()).label("stamp")
    stmt = select(member, stamp).order_by(stamp, member.c.member_id).limit(size)
    where = _after(
        func.coalesce(member.c.last_update, member.c.input_date),
        member.c.member_id,
        position,
        since,
        numeric=False,
    )
    if where is not None:
        stmt = stmt.where(where)
    with _connected(engine) as conn:
        rows = conn.execute(stmt).all()
    page: Page[MemberRecord] = Page()
    for r in rows:
        card = str(r.member_id or "")
        try:
            birth, expires = parse_date(r.birth_date), parse_date(r.expire_date)
        except ValueError:
            page.broken.append((card or "?", "a date is not YYYY-MM-DD"))
            continue
        page.records.append(
            MemberRecord(
                card_number=card,
                name=r.member_name or "",
                birth_date=birth,
                email=r.member_email,
                phone=r.member_phone,
                institution=r.inst_name,
                expires_on=expires,
            )
        )
    return _ended(page, rows, size, "member_id")
