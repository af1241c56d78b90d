"""The schema comes only from migrations, and they agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401
from app.models.base import metadata


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_every_table_comes_from_migrations(engine):
    names = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= names
    assert "alembic_version" in names


def test_revision_0024_fills_each_days_boosted_minutes_from_its_logs(client, factory, db_url):
    """Days counted before 0024 get their minutes above x1 from the counted logs, and
    nothing else on them moves."""
    from alembic import command
    from sqlalchemy import select

    from app.core.migrate import alembic_config, upgrade
    from app.models.reading import MemberDay
    from tests.factories import november_challenge

    lib = factory.library("palu")
    staff = factory.headers(factory.staff(lib))
    assert client.post("/v1/challenges", json=november_challenge(), headers=staff).is_success
    h = factory.headers(factory.member(lib))
    for minutes, tags, pages in ((1, [], None), (3, ["#TantanganBacaNovember"], None), (2, [], 5)):
        body = {"book": {"title": "Amba"}, "pages": pages, "minutes": minutes, "hashtags": tags}
        assert client.post("/v1/reading-logs", json=body, headers=h).status_code == 201

    def days() -> list[tuple]:
        with factory.session() as s:
            return [tuple(r) for r in s.execute(select(MemberDay).order_by(MemberDay.day))]

    live = days()
    assert [(d.loose_minutes, d.boosted_minutes, d.boosted_multiplier) for (d,) in live] == [
        (4, 3, 2)
    ]
    factory.engine.dispose()
    command.downgrade(alembic_config(db_url), "0023")
    upgrade(db_url)
    assert [d.model_dump() for (d,) in days()] == [d.model_dump() for (d,) in live]
