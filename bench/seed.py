"""Fresh databases for a benchmark run, and bulk seeding fast enough for millions of rows.

The app's schema comes only from its Alembic migrations. On PostgreSQL the app
and the yardstick each get a schema of their own (`bench_app`, `bench_bare`),
dropped and recreated every run, selected with `options=-csearch_path` on the
URL so nothing collides with the test suite's schemas in the same database. On
SQLite each gets a file in a temporary directory.

`bulk_insert` streams rows with COPY on PostgreSQL and with executemany in big
transactions on SQLite, converting values with the table's own column types,
so leaderboard-sized data sets (millions of members and logs) seed in seconds
to minutes rather than hours.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, Table, create_engine, select, text
from sqlalchemy.engine import make_url

from app.core.clock import local_date
from app.core.config import Settings
from app.core.db import make_engine, transaction
from app.core.migrate import upgrade
from app.core.security import create_access_token
from app.demo import ensure_demo_challenges
from app.models.auth import AuthSession
from app.models.challenge import Challenge
from app.models.library import Library, ScoringSettings
from app.models.member import Member, nickname_key
from app.services.badges import ensure_demo_badges

EngineName = Literal["sqlite", "postgresql"]
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APP_SCHEMA = "bench_app"
BARE_SCHEMA = "bench_bare"
SCHEMA_PREFIX_ENV = "BENCH_SCHEMA_PREFIX"
BENCH_LIBRARY = "bench"


@dataclass
class Databases:
    """Where the app and the yardstick keep their data for one scenario on one engine."""

    engine: EngineName
    app_url: str
    bare_url: str
    cleanup: Callable[[], None]


# -- fresh databases ------------------------------------------------------------------


def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used, or None when it can."""
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            eng.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _recreate_schemas(base_url: str, *schemas: str, create: bool = True) -> None:
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                if create:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()


def schema_names(prefix: str | None = None) -> tuple[str, str]:
    """The app's and the yardstick's PostgreSQL schemas: `bench_app` and `bench_bare`,
    or `<prefix>app` and `<prefix>bare` (`prefix`, else $BENCH_SCHEMA_PREFIX), so that
    two runs on one database do not drop each other's schemas."""
    prefix = prefix if prefix is not None else os.environ.get(SCHEMA_PREFIX_ENV, "")
    if not prefix:
        return APP_SCHEMA, BARE_SCHEMA
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", prefix):
        raise ValueError(f"schema prefix {prefix!r}: lower-case letters, digits and _ only")
    return f"{prefix}app", f"{prefix}bare"


def fresh_postgres(
    base_url: str = DEFAULT_PG_URL, *, keep: bool = False, schema_prefix: str | None = None
) -> Databases:
    """Recreate the bench schemas and migrate the app's one."""
    app_schema, bare_schema = schema_names(schema_prefix)
    _recreate_schemas(base_url, app_schema, bare_schema)
    app_url = with_search_path(base_url, app_schema)
    upgrade(app_url)

    def cleanup() -> None:
        if not keep:
            _recreate_schemas(base_url, app_schema, bare_schema, create=False)

    return Databases("postgresql", app_url, with_search_path(base_url, bare_schema), cleanup)


def fresh_sqlite(parent: Path | None = None, *, keep: bool = False) -> Databases:
    """Two SQLite files in a new temporary directory; the app's one migrated."""
    workdir = Path(tempfile.mkdtemp(prefix="bacaquest-bench-", dir=parent))
    app_url = f"sqlite:///{workdir / 'app.db'}"
    upgrade(app_url)

    def cleanup() -> None:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)

    return Databases("sqlite", app_url, f"sqlite:///{workdir / 'bare.db'}", cleanup)


def fresh_databases(
    engine: EngineName, *, pg_url: str, keep: bool = False, schema_prefix: str | None = None
) -> Databases:
    if engine == "postgresql":
        return fresh_postgres(pg_url, keep=keep, schema_prefix=schema_prefix)
    return fresh_sqlite(keep=keep)


def seeding_engine(url: str) -> Engine:
    """The app's own engine settings, with a small pool: seeding is single-threaded."""
    return make_engine(url, pool_size=2)


# -- bulk insert ------------------------------------------------------------------------


def _fill_defaults(
    table: Table, columns: Sequence[str], in_database: Collection[str]
) -> tuple[list[str], tuple[Any, ...]]:
    """Columns not given get their model's scalar default, if the database has them.

    The database, not the model, is what the server reads: a column the model
    has and the migrations do not (yet) is left out; a required one left
    unfilled fails loudly in the database.
    """
    given = set(columns)
    unknown = given - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)} in the model")
    names: list[str] = []
    values: list[Any] = []
    for col in table.columns:
        if col.name in given or col.name not in in_database or col.server_default is not None:
            continue
        default = col.default
        if default is not None and default.is_scalar:
            names.append(col.name)
            values.append(default.arg)  # type: ignore[attr-defined]
    return names, tuple(values)


def _database_columns(driver: Any, dialect: str, table: str) -> dict[str, str]:
    """The table's columns as the database has them: name -> type name."""
    cur = driver.cursor()
    try:
        if dialect == "postgresql":
            cur.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
                " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
            found = {str(name): str(kind) for name, kind in cur.fetchall()}
        else:
            cur.execute(f'PRAGMA table_info("{table}")')
            found = {str(row[1]): str(row[2]) for row in cur.fetchall()}
    finally:
        cur.close()
    driver.rollback()
    if not found:
        raise ValueError(f"there is no table {table} in the database")
    return found


def bulk_insert(
    engine: Engine,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_rows: int = 100_000,
    check_foreign_keys: bool = False,
) -> int:
    """Insert rows (tuples in `columns` order) as fast as the engine allows; returns the count.

    PostgreSQL: one binary COPY, in one transaction. SQLite: executemany,
    committed every `batch_rows` rows. Values go through the columns' own
    types (UTC instants, JSON), as an ORM insert would; model defaults fill the
    columns not given. Foreign keys are not checked unless asked: seed data is
    consistent by construction, and on PostgreSQL the per-row checks cost more
    than the load (it needs a superuser; without one they stay on).
    """
    dialect = engine.dialect
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        db_columns = _database_columns(driver, dialect.name, table.name)
        missing = [c for c in columns if c not in db_columns]
        if missing:
            raise ValueError(f"{table.name} has no column(s) {missing} in the database")
        extra_names, extra_values = _fill_defaults(table, columns, db_columns)
        names = [*columns, *extra_names]
        processors = [
            (i, _remember_last(proc))
            for i, name in enumerate(names)
            if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            is not None
        ]

        def converted() -> Iterable[list[Any]]:
            for row in rows:
                values = [*row, *extra_values]
                for i, proc in processors:
                    values[i] = proc(values[i])
                yield values

        quote = dialect.identifier_preparer.quote
        target = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
        if dialect.name == "postgresql":
            return _copy_pg(
                driver,
                target,
                [db_columns[n] for n in names],
                converted(),
                check_foreign_keys=check_foreign_keys,
            )
        return _executemany_sqlite(
            driver,
            target,
            len(names),
            converted(),
            batch_rows,
            check_foreign_keys=check_foreign_keys,
        )
    finally:
        raw.close()


def _copy_pg(
    driver: Any,
    target: str,
    types: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    check_foreign_keys: bool,
) -> int:
    # Binary COPY is ~4x cheaper per row in Python than text; psycopg has no
    # binary dumper from a plain str to json, so JSON columns go as text.
    binary = not any(t in ("json", "jsonb") for t in types)
    sql = f"COPY {target} FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
    if not check_foreign_keys:
        _skip_pg_foreign_keys(driver)
    count = 0
    with driver.cursor() as cur, cur.copy(sql) as copy:
        if binary:
            copy.set_types(types)
        for values in rows:
            copy.write_row(values)
            count += 1
    driver.commit()
    return count


def _executemany_sqlite(
    driver: Any,
    target: str,
    width: int,
    rows: Iterable[Sequence[Any]],
    batch_rows: int,
    *,
    check_foreign_keys: bool,
) -> int:
    sql = f"INSERT INTO {target} VALUES ({', '.join('?' * width)})"
    cur = driver.cursor()
    if not check_foreign_keys:
        cur.execute("PRAGMA foreign_keys=OFF")  # per connection, outside a transaction
    # A big page cache keeps index maintenance in memory, and a bench
    # database need not survive a power cut mid-seed.
    cur.execute("PRAGMA cache_size=-262144")
    cur.execute("PRAGMA synchronous=OFF")
    count = 0
    try:
        it = iter(rows)
        while batch := list(itertools.islice(it, batch_rows)):
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.executemany(sql, batch)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            count += len(batch)
    finally:
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-2000")
        cur.close()
    return count


def _remember_last(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Seed data repeats values (one `now` for every row): convert each run of them once."""
    last_in: Any = object()
    last_out: Any = None

    def convert(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is not last_in:
            last_in, last_out = value, proc(value)
        return last_out

    return convert


def _skip_pg_foreign_keys(driver: Any) -> None:
    """Skip the foreign-key triggers for this transaction, when allowed to."""
    import psycopg

    try:
        with driver.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        driver.rollback()


def analyze(engine: Engine, *tables: Table) -> None:
    """Fresh planner statistics after a bulk load."""
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {engine.dialect.identifier_preparer.quote(table.name)}"))


# -- the bench's library, members and tokens --------------------------------------------


@dataclass(frozen=True, slots=True)
class Reader:
    """A seeded member and a bearer token the server will accept."""

    member_id: int
    token: str


def bench_settings(database_url: str, secret_key: str) -> Settings:
    """The settings the server gets too (same secret, hour-long access tokens)."""
    return Settings(
        environment="development",
        database_url=database_url,
        secret_key=secret_key,
        access_token_minutes=60,
    )


def seed_library(engine: Engine, now: datetime, slug: str = BENCH_LIBRARY) -> int:
    with transaction(engine) as session:
        lib = Library(
            slug=slug,
            name="Perpustakaan Kota Bench",
            city="Bench",
            timezone="Asia/Jakarta",
            hashtags=["#PerpustakaanBench"],
            scoring=ScoringSettings().model_dump(),
            created_at=now,
        )
        session.add(lib)
        session.flush()
        return lib.id or 0


def seed_members(
    engine: Engine, library_id: int, count: int, now: datetime, rnd: random.Random
) -> list[int]:
    """`count` adult members of the library (no password: they never sign in); their ids."""
    year = now.year

    def rows() -> Iterable[tuple[Any, ...]]:
        for n in range(1, count + 1):
            nick = f"pembaca{library_id}x{n}"
            yield (
                library_id,
                f"{nick}@bench.invalid",
                f"Pembaca {n}",
                nick,
                nickname_key(nick),
                year - rnd.randint(18, 70),
                now,
            )

    columns = (
        "library_id",
        "email",
        "display_name",
        "nickname",
        "nickname_key",
        "birth_year",
        "created_at",
    )
    table: Table = Member.__table__  # type: ignore[attr-defined]
    bulk_insert(engine, table, columns, rows())
    with engine.connect() as conn:
        ids = conn.execute(
            text("SELECT id FROM member WHERE library_id = :lib ORDER BY id"), {"lib": library_id}
        )
        return [row[0] for row in ids]


def seed_auth_sessions(engine: Engine, member_ids: Sequence[int], now: datetime) -> list[str]:
    """One sign-in per member, as start_session makes (without its refresh token)."""
    session_ids = [f"bench-{member_id}" for member_id in member_ids]
    table: Table = AuthSession.__table__  # type: ignore[attr-defined]
    bulk_insert(
        engine,
        table,
        ("id", "member_id", "created_at"),
        ((sid, mid, now) for sid, mid in zip(session_ids, member_ids, strict=True)),
    )
    return session_ids


def seed_readers(
    engine: Engine, settings: Settings, count: int, now: datetime, rnd: random.Random
) -> list[Reader]:
    """A library of `count` members, each signed in once with a valid access token."""
    library_id = seed_library(engine, now)
    member_ids = seed_members(engine, library_id, count, now, rnd)
    session_ids = seed_auth_sessions(engine, member_ids, now)
    table: Table = Member.__table__  # type: ignore[attr-defined]
    analyze(engine, table, AuthSession.__table__)  # type: ignore[attr-defined]
    return [
        Reader(mid, create_access_token(settings, now, member_id=mid, session_id=sid))
        for mid, sid in zip(member_ids, session_ids, strict=True)
    ]


def seed_catalogue(engine: Engine, creator_id: int, now: datetime) -> str:
    """The demo badges and this month's demo challenge in the bench library; its hashtag."""
    with transaction(engine) as session:
        lib = session.execute(select(Library).where(Library.slug == BENCH_LIBRARY)).scalar_one()
        creator = session.get(Member, creator_id)
        assert creator is not None
        ensure_demo_badges(session, lib, now)
        ensure_demo_challenges(session, lib, creator, now)
        today = local_date(now, lib.timezone)
        hashtag = session.execute(
            select(Challenge.hashtag).where(
                Challenge.library_id == lib.id,
                Challenge.starts_on <= today,
                Challenge.ends_on >= today,
            )
        ).scalar_one()
        return str(hashtag)


def backend_of(url: str) -> EngineName:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"
