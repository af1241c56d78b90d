"""What the engines spell differently, said once: the same statement works on either."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import sqlite

from app.core import dbcompat
from app.core.db import transaction, try_advisory_lock
from app.models.reading import IdempotencyKey
from app.models.webhooks import WebhookDelivery
from app.services import idempotency


def test_a_body_given_as_json_text_is_stored_as_json(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    body = {"log": {"id": 7, "hashtags": ["#BacaYuk"]}, "ok": True}
    with transaction(factory.engine) as s:
        idempotency.store(s, member.id, "k-1", "f" * 64, 201, json.dumps(body), now, 72)
    with factory.session() as s:
        row = s.execute(select(IdempotencyKey)).scalar_one()
    assert row.response_body == body


def test_a_key_is_looked_up_in_one_statement_that_also_takes_its_lock(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    fp = "f" * 64
    with transaction(factory.engine) as s:
        assert idempotency.lookup(s, member.id, "k-1", fp, now) is None
        idempotency.store(s, member.id, "k-1", fp, 201, {"a": 1}, now, 72)
    with transaction(factory.engine) as s:
        stored = idempotency.lookup(s, member.id, "k-1", fp, now)
    assert stored is not None and (stored.status, stored.body) == (201, {"a": 1})


def test_aggregate_list_joins_a_groups_values(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    with transaction(factory.engine) as s:
        for key in ("a", "b"):
            idempotency.store(s, member.id, key, "f" * 64, 201, {}, now, 72)
    with factory.session() as s:
        joined = s.execute(
            select(dbcompat.aggregate_list(IdempotencyKey.key, bindparam("sep", ",")))
        ).scalar_one()
    assert sorted(joined.split(",")) == ["a", "b"]


def test_the_try_lock_is_granted_to_the_first_transaction(factory):
    with transaction(factory.engine) as s:
        assert try_advisory_lock(s, "test", "one")
        got = s.execute(select(dbcompat.try_advisory_xact_lock(bindparam("k", 42)))).scalar_one()
        assert got is True


def test_an_upsert_that_meets_its_row_does_nothing(factory):
    member = factory.member(factory.library("palu"))
    now = factory.clock.now()
    with transaction(factory.engine) as s:
        idempotency.store(s, member.id, "k-1", "f" * 64, 201, {}, now, 72)
        stmt = (
            dbcompat.insert(IdempotencyKey.__table__)
            .values(
                member_id=member.id,
                key="k-1",
                fingerprint="0" * 64,
                state="done",
                created_at=now,
                expires_at=now,
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.__table__.c.id)
        )
        assert s.execute(stmt).first() is None


def test_row_locks_and_snapshots_need_no_branch(factory):
    stmt = select(WebhookDelivery.id).with_for_update(skip_locked=True)
    assert "FOR UPDATE" not in str(stmt.compile(dialect=sqlite.dialect()))
    with transaction(factory.engine, write=False) as s:
        dbcompat.read_one_snapshot(s)
        assert dbcompat.one_writer_at_a_time(s) == (factory.engine.dialect.name == "sqlite")
