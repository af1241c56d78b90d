"""How many statements the summary and the time series send: a count, not a timing.

Each statement is a round trip and a pass through SQLAlchemy's execution machinery,
which on these small reads costs more than the database; the summary once sent eight.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.analytics import library_scope, query_for, summary, timeseries

NOV = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _challenge(client, world) -> int:
    r = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan Baca November",
            "hashtag": "#TantanganNov",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 40,
        },
        headers=world.headers["staff"],
    )
    assert r.status_code == 201, r.text
    for who in ("ana", "budi"):
        logged = client.post(
            "/v1/reading-logs",
            json={"book": {"title": "Bumi Manusia"}, "pages": 12, "hashtags": ["#TantanganNov"]},
            headers=world.headers[who],
        )
        assert logged.status_code == 201, logged.text
    return int(r.json()["id"])


@pytest.mark.parametrize(
    "filters",
    [
        {},  # the month: distinct readers from the rollups
        {"start": date(2026, 11, 3), "end": date(2026, 11, 17)},  # distinct readers asked
        {"age_group": "teens"},
        {"school": "SMA Negeri 1"},
        {"challenge": True},
    ],
)
def test_a_summary_is_two_statements(client, engine, factory, clock, world, filters):
    """The figures and headcounts in one, the challenges with their progress in another,
    whatever the filters and however many challenges meet the range."""
    if filters.pop("challenge", False):
        filters["challenge_id"] = _challenge(client, world)
        _challenge_two = client.post(
            "/v1/challenges",
            json={
                "title": "Tantangan Kedua",
                "hashtag": "#TantanganKedua",
                "starts_on": "2026-11-01",
                "ends_on": "2026-11-30",
                "goal": "books",
                "target": 2,
            },
            headers=world.headers["staff"],
        )
        assert _challenge_two.status_code == 201
    with factory.session() as session:
        scope = library_scope(world.palu, clock.now(), is_admin=False)
        q = query_for(session, scope, **{**NOV, **filters})
        with statements(engine) as seen:
            body = summary(session, scope, q)
    assert len(seen) == 2, seen
    assert body.library == "palu"


@pytest.mark.parametrize("metric", ["pages", "active_readers", "new_members", "points"])
@pytest.mark.parametrize("interval", ["day", "week", "month"])
@pytest.mark.parametrize("compare", ["previous", "last_year", "none"])
def test_a_series_is_one_statement(engine, factory, clock, world, metric, interval, compare):
    """The range and the one it is compared with, in one statement."""
    start = date(2026, 10, 1) if interval == "day" else date(2025, 12, 1)
    with factory.session() as session:
        scope = library_scope(world.palu, clock.now(), is_admin=False)
        q = query_for(session, scope, start=start, end=date(2026, 11, 17))
        with statements(engine) as seen:
            series = timeseries(session, scope, q, metric, interval, compare)
    assert len(seen) == 1, seen
    assert series.points
