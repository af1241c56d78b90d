"""Statements sent straight to the driver store what the ORM reads, and fail as it would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Date, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from app.core.db import transaction
from app.core.hotsql import HotSql
from app.models.reading import IdempotencyKey
from app.models.types import UtcDateTime
from app.services import idempotency


def test_postgresql_gets_pyformat_parameters_and_keeps_casts():
    stmt = HotSql("SELECT CAST(:a AS int[]), b::text, '50%' FROM t WHERE c = :c_1")
    sql, _, _ = stmt._for(postgresql.psycopg.dialect())
    assert sql == "SELECT CAST(%(a)s AS int[]), b::text, '50%%' FROM t WHERE c = %(c_1)s"
    sql, _, _ = stmt._for(sqlite.dialect())
    assert sql == stmt.sql


def test_what_it_stores_reads_back_through_the_orm(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    body = {"log": {"id": 7, "hashtags": ["#BacaYuk"]}, "totals": {"total": 20, "pending": 0}}
    with transaction(factory.engine) as s:
        idempotency.store(s, member.id, "k-1", "f" * 64, 201, body, now, 72)
    with factory.session() as s:
        row = s.execute(select(IdempotencyKey)).scalar_one()
    assert row.response_body == body
    assert row.created_at == now and row.created_at.tzinfo is not None
    assert row.expires_at == now + timedelta(hours=72)


def test_dates_and_instants_come_back_typed(factory):
    now = factory.clock.now()
    stmt = HotSql(
        "SELECT :day, :at",
        binds={"day": Date(), "at": UtcDateTime()},
        results=(Date(), UtcDateTime()),
    )
    with transaction(factory.engine) as s:
        (day, at) = stmt.one(s, {"day": now.date(), "at": now})
    assert day == now.date()
    assert at == now


def test_a_driver_error_is_the_sqlalchemy_error_callers_expect(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    with transaction(factory.engine) as s:
        idempotency.store(s, member.id, "k-1", "f" * 64, 201, {}, now, 72)
    insert = HotSql(
        "INSERT INTO idempotency_key (member_id, key, fingerprint, state, created_at,"
        " expires_at) VALUES (:m, 'k-1', 'x', 'done', :at, :at)",
        binds={"at": UtcDateTime()},
    )
    with pytest.raises(IntegrityError), transaction(factory.engine) as s:
        insert.run(s, {"m": member.id, "at": now})


def test_a_lost_connection_is_invalidated_and_the_next_request_gets_a_good_one(factory):
    if factory.engine.dialect.name != "postgresql":
        pytest.skip("needs a server that can drop the connection")
    session = Session(factory.engine)
    try:
        (pid,) = HotSql("SELECT pg_backend_pid()").one(session, {})
        with factory.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        with pytest.raises(DBAPIError) as lost:
            HotSql("SELECT 1").one(session, {})
        assert lost.value.connection_invalidated
        session.rollback()
    finally:
        session.close()
    with transaction(factory.engine) as s:
        assert HotSql("SELECT 1").one(s, {}) == (1,)
