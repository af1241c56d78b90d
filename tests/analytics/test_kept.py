"""Figures kept per process are the database's: whatever moved the rollups since, the
next call shows it, and one library's kept figures never answer for another."""

from __future__ import annotations

from datetime import date

from app.analytics import backlog
from tests.analytics.conftest import Sent, send
from tests.analytics.test_summary import NOV, get
from tests.routers.test_auth import register_body

SERIES = {"metric": "pages", "interval": "month", "start": "2026-11-01", "end": "2026-11-30"}


def test_a_log_booked_after_a_summary_shows_in_the_next_one(client, world, engine):
    before = get(client, world, "summary", **NOV).json()
    assert get(client, world, "summary", **NOV).json() == before  # kept, and the same
    send(client, world.headers["citra"], Sent("citra", date(2026, 11, 17), pages=12))
    after = get(client, world, "summary", **NOV).json()
    assert after["logs"] == before["logs"] + 1
    assert after["pages"] == before["pages"] + 12


def test_a_log_another_process_added_shows_in_the_next_summary(client, world, engine):
    """The backlog emptied between two calls (the worker, or another instance's read):
    nothing waits when the second call looks, and it still sees the log."""
    before = get(client, world, "summary", **NOV).json()
    series = get(client, world, "timeseries", **SERIES).json()
    send(client, world.headers["citra"], Sent("citra", date(2026, 11, 17), pages=12))
    assert backlog.drain(engine) == 1
    after = get(client, world, "summary", **NOV).json()
    assert after["logs"] == before["logs"] + 1
    assert after["pages"] == before["pages"] + 12
    again = get(client, world, "timeseries", **SERIES).json()
    assert again["total"] == series["total"] + 12


def test_a_registration_shows_in_the_next_summary(client, world):
    month = {"start": "2026-11-01", "end": "2026-11-17"}  # the clock's day
    before = get(client, world, "summary", **month).json()
    assert get(client, world, "summary", **month).json() == before
    r = client.post("/v1/auth/register", json=register_body(email="dewi.baru@example.org"))
    assert r.status_code == 201, r.text
    after = get(client, world, "summary", **month).json()
    assert after["members"] == before["members"] + 1
    assert after["new_members"] == before["new_members"] + 1


def test_kept_figures_never_answer_for_another_library(client, world):
    palu = get(client, world, "summary", **NOV).json()
    palu_series = get(client, world, "timeseries", **SERIES).json()
    assert palu["logs"] > 0
    other = get(client, world, "summary", who="other_staff", **NOV).json()
    assert other["library"] == world.semarang.slug
    assert other["logs"] == 0 and other["pages"] == 0
    other_series = get(client, world, "timeseries", who="other_staff", **SERIES).json()
    assert other_series["library"] == world.semarang.slug and other_series["total"] == 0
    assert palu_series["total"] == palu["pages"]
    # Staff of another library naming this one are refused, kept figures or not.
    r = get(client, world, "summary", who="other_staff", library=world.palu.slug, **NOV)
    assert r.status_code == 403
    admin = get(client, world, "summary", who="admin", library=world.semarang.slug, **NOV)
    assert admin.json()["logs"] == 0
    assert get(client, world, "summary", who="admin", library=world.palu.slug, **NOV).json() == palu
