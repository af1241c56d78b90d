"""Re-scoring and ledger verification: live scoring and replay agree row for row."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from app.cli import main as cli
from app.core.db import transaction
from app.models.library import Library
from app.models.member import Member
from app.models.reading import LedgerEntry


def rows(factory) -> int:
    with factory.session() as s:
        return s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


def log(client, h, **kw):
    body = {"book": {"title": kw.pop("title", "Gadis Kretek"), "genre": "novel"}, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def seed_history(client, factory):
    lib = factory.library("palu")
    reader = factory.member(lib)
    h = factory.headers(reader)
    for back in range(5, -1, -1):
        day = (date(2026, 11, 17) - timedelta(days=back)).isoformat()
        log(client, h, pages=30, read_on=day)
        log(client, h, minutes=7, read_on=day, title="Aroma Karsa")
    log(client, h, pages=10, finished=True, title="Pulang")
    return lib, reader, h


def test_rescore_of_live_history_books_nothing(client, factory, monkeypatch):
    seed_history(client, factory)
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    before = rows(factory)
    assert cli(["rescore", "--library", "palu"]) == 0
    assert rows(factory) == before  # live scoring already equals the replay
    assert cli(["ledger", "verify"]) == 0
    get_settings.cache_clear()


def test_rescore_applies_new_rules_once(client, factory, monkeypatch):
    lib, _, h = seed_history(client, factory)
    total_before = client.get("/v1/me/points", headers=h).json()["total"]
    with transaction(factory.engine) as s:
        s.execute(
            update(Library)
            .where(Library.id == lib.id)
            .values(scoring={**lib.scoring, "points_per_page": 2})
        )
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    assert cli(["rescore", "--library", "palu"]) == 0
    after_first = rows(factory)
    total_after = client.get("/v1/me/points", headers=h).json()["total"]
    assert total_after == total_before + 6 * 30 + 10  # every page now counts twice
    assert cli(["rescore", "--library", "palu"]) == 0
    assert rows(factory) == after_first  # running it twice changes nothing
    assert cli(["ledger", "verify"]) == 0
    get_settings.cache_clear()


def test_ledger_verify_lists_members_whose_total_drifted(client, factory, monkeypatch, capsys):
    _, reader, _ = seed_history(client, factory)
    with transaction(factory.engine) as s:
        s.execute(update(Member).where(Member.id == reader.id).values(points_total=1))
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    assert cli(["ledger", "verify"]) == 1
    err = capsys.readouterr().err
    assert str(reader.id) in err and "1 member(s)" in err
    get_settings.cache_clear()


def test_rescore_refuses_an_unknown_library(factory, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    assert cli(["rescore", "--library", "atlantis"]) == 2
    get_settings.cache_clear()


def test_rescore_dry_run_says_what_would_change_and_books_nothing(
    client, factory, monkeypatch, capsys
):
    lib, _, h = seed_history(client, factory)
    total_before = client.get("/v1/me/points", headers=h).json()["total"]
    with transaction(factory.engine) as s:
        s.execute(
            update(Library)
            .where(Library.id == lib.id)
            .values(scoring={**lib.scoring, "points_per_page": 2})
        )
    monkeypatch.setenv("DATABASE_URL", factory.settings.database_url)
    from app.core.config import get_settings

    get_settings.cache_clear()
    before = rows(factory)
    assert cli(["rescore", "--library", "palu", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "7 compensating row(s) would book" in out
    assert "1 member(s) gain, 0 lose (+190 points)" in out
    assert rows(factory) == before
    assert client.get("/v1/me/points", headers=h).json()["total"] == total_before
    assert cli(["rescore", "--library", "palu"]) == 0
    assert "1 member(s) gain, 0 lose (+190 points)" in capsys.readouterr().out
    assert client.get("/v1/me/points", headers=h).json()["total"] == total_before + 190
    get_settings.cache_clear()
