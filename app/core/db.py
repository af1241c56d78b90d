"""Database engine and the request-scoped session that owns the transaction."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Engine,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import UserDefinedType
from sqlmodel import Session, col

from app.core import dbcompat
from app.models.library import Library
from app.models.member import Member

# A write request on SQLite takes the write lock when its transaction begins,
# so concurrent writers queue on the busy timeout instead of failing to upgrade
# a read lock halfway through.
IMMEDIATE = "bacaquest_immediate"


def make_engine(url: str, *, pool_size: int = 32, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=8,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=8,
        pool_pre_ping=True,
        pool_timeout=30,
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        # Straight to the driver: every write request begins this way.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def engine_of(session: Session) -> Engine:
    """The engine a session is bound to (directly, or through a connection)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


T = TypeVar("T")


class PerEngine(Generic[T]):
    """What a process keeps for each engine (a database), made on first use: caches
    that tests' engines, and an app's primary and replica, must not share."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._held: WeakKeyDictionary[Engine, T] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, session: Session) -> T:
        engine = engine_of(session)
        found = self._held.get(engine)
        if found is None:
            with self._lock:
                found = self._held.setdefault(engine, self._make())
        return found

    def all(self) -> list[T]:
        return list(self._held.values())


# SQLite takes one writer at a time. Writers of this process wait their turn on a
# lock (in arrival order, no polling) instead of on SQLite's busy handler, whose
# growing sleeps make the slowest requests wait seconds under load.
_WRITE_TURN = "bacaquest_write_turn"
_turns: dict[int, threading.Lock] = {}
_turns_guard = threading.Lock()


def _turn_of(engine: Engine) -> threading.Lock:
    with _turns_guard:
        return _turns.setdefault(id(engine.pool), threading.Lock())


def open_session(engine: Engine, *, write: bool) -> Session:
    session = Session(engine, expire_on_commit=False)
    if write and is_sqlite(engine):
        turn = _turn_of(engine)
        turn.acquire()
        session.info[_WRITE_TURN] = turn
        try:
            session.connection(execution_options={IMMEDIATE: True})
        except BaseException:
            close_session(session)
            raise
    return session


def close_session(session: Session) -> None:
    """Close a session and give up its write turn, if it holds one."""
    try:
        session.close()
    finally:
        turn = session.info.pop(_WRITE_TURN, None)
        if turn is not None:
            turn.release()


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A unit of work outside a request (CLI, demo data): commit or roll back."""
    session = open_session(engine, write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        close_session(session)


def insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT that does nothing on a unique conflict; True when a row went in.

    RETURNING tells, on both engines: psycopg reports no rowcount for
    ON CONFLICT DO NOTHING.
    """
    stmt = dbcompat.insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(stmt.returning(literal_column("1"))).first() is not None


_LOCK_MEMBER = select(col(Member.id)).where(col(Member.id) == bindparam("id")).with_for_update()
_LOCK_LIBRARY = select(col(Library.id)).where(col(Library.id) == bindparam("id")).with_for_update()
_TRY_LOCK = select(dbcompat.try_advisory_xact_lock(bindparam("k")))


def lock_member(session: Session, member_id: int) -> None:
    """Serialise one member's scoring: concurrent logs must see each other's day state.

    SQLite already serialises every write transaction (BEGIN IMMEDIATE); PostgreSQL
    takes the member's row lock until the transaction ends.
    """
    if not dbcompat.one_writer_at_a_time(session):
        session.execute(_LOCK_MEMBER, {"id": member_id})


def lock_library(session: Session, library_id: int) -> None:
    """Serialise changes to one library's catalogue and rules (a check that no other
    challenge has the hashtag, or badge the name, then the insert; new caps against the
    live goals). The reading path reads the library row without locking it, so logs do
    not wait. SQLite serialises every write transaction already."""
    if not dbcompat.one_writer_at_a_time(session):
        session.execute(_LOCK_LIBRARY, {"id": library_id})


def try_advisory_lock(session: Session, namespace: str, key: str) -> bool:
    """A transaction-scoped try-lock on PostgreSQL (always granted on SQLite, which
    runs one write transaction at a time)."""
    if dbcompat.one_writer_at_a_time(session):
        return True
    got = session.execute(_TRY_LOCK, {"k": advisory_lock_id(namespace, key)})
    return bool(got.scalar_one())


def advisory_lock_id(namespace: str, key: str) -> int:
    """A stable 64-bit lock id for a (namespace, key) pair."""
    digest = hashlib.sha256(f"{namespace}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# -- read replicas ------------------------------------------------------------------------
# A streaming replica (DATABASE_REPLICA_URL) answers reads that may lag a little
# (analytics, public pages). Reads that include a member's own points (boards) use it
# only once it has replayed everything the primary had written when the request began,
# so nobody sees their points go back after a log; otherwise the primary answers.
REPLICA_WAIT_SECONDS = 0.05
_REPLICA_POLL_SECONDS = 0.002


class _PgLsn(UserDefinedType[str]):
    """PostgreSQL's WAL position (replicas are PostgreSQL's only)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "pg_lsn"


_LSN_NOW = select(cast(func.pg_current_wal_lsn(), Text))
_REPLAYED = select(func.pg_last_wal_replay_lsn() >= cast(bindparam("lsn", type_=Text), _PgLsn()))


def replica_caught_up(
    primary: Engine, replica: Engine, *, wait: float = REPLICA_WAIT_SECONDS
) -> bool:
    """Whether `replica` has replayed all the primary had written when asked (waiting up
    to `wait` seconds for it). False on any error: the primary answers then."""
    if primary.dialect.name != "postgresql" or replica is primary:
        return replica is primary
    try:
        with primary.connect() as conn:
            lsn = conn.execute(_LSN_NOW).scalar_one()
        with replica.connect() as conn:
            deadline = time.monotonic() + wait
            while not conn.execute(_REPLAYED, {"lsn": lsn}).scalar_one():
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_REPLICA_POLL_SECONDS)
    except SQLAlchemyError:
        return False
    return True


def read_engine(primary: Engine, replica: Engine | None, *, own_data: bool) -> Engine:
    """The engine a read-only request uses: the replica when there is one (and, for a
    member's own data, once it has caught up), else the primary."""
    if replica is None:
        return primary
    if own_data and not replica_caught_up(primary, replica):
        return primary
    return replica


_PING = select(literal(1))
_replica_down_until: dict[int, float] = {}
REPLICA_RETRY_SECONDS = 5.0


def replica_reachable(replica: Engine) -> bool:
    """Whether the replica answers; after a failure it is left alone a few seconds."""
    key = id(replica.pool)
    if _replica_down_until.get(key, 0.0) > time.monotonic():
        return False
    try:
        with replica.connect() as conn:
            conn.execute(_PING)
    except SQLAlchemyError:
        _replica_down_until[key] = time.monotonic() + REPLICA_RETRY_SECONDS
        return False
    return True
