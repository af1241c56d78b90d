"""`python -m app import slims ...`: the same imports from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.core.config import get_settings
from tests.integrations.conftest import FakeOai, OaiRecord


@pytest.fixture
def env_db(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_catalogue_command_reports_rows_and_is_idempotent(
    env_db, factory, oai_server: FakeOai, capsys
):
    lib = factory.library()
    oai_server.records = [
        OaiRecord(1, "2026-11-01", "Laskar Pelangi", ["Hirata, Andrea"], ["9789793062792"]),
        OaiRecord(2, "2026-11-02", "", []),
    ]
    args = ["import", "slims", "catalogue", "--library", lib.slug, "--oai", oai_server.url]

    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "created  1" in out and "skipped  2" in out and "the record has no title" in out
    assert "1 created, 0 updated, 1 skipped" in out

    assert cli.main(args) == 0  # only what changed since the last harvest: nothing
    assert "0 created, 0 updated, 0 skipped" in capsys.readouterr().out
    assert oai_server.requests[-1]["from"] == "2026-11-17"
    assert cli.main([*args, "--full"]) == 0  # everything again: all unchanged
    assert "0 created, 0 updated, 2 skipped" in capsys.readouterr().out


def test_members_command_from_a_csv_file(env_db, factory, tmp_path: Path, capsys):
    lib = factory.library()
    export = tmp_path / "anggota.csv"
    export.write_text("member_id;member_name;birth_date\nP01;Siti;1990-04-12\n", "utf-8")
    args = ["import", "slims", "members", "--library", lib.slug, "--csv", str(export)]
    assert cli.main(args) == 0
    assert "1 created" in capsys.readouterr().out


def test_command_refusals(env_db, factory, oai_server: FakeOai, capsys):
    lib = factory.library()
    assert (
        cli.main(["import", "slims", "catalogue", "--library", "nope", "--oai", oai_server.url])
        == 2
    )
    assert (
        cli.main(["import", "slims", "members", "--library", lib.slug, "--oai", oai_server.url])
        == 2
    )
    assert (
        cli.main(["import", "slims", "catalogue", "--library", lib.slug, "--db", "sqlite:///x.db"])
        == 1
    )
    err = capsys.readouterr().err
    assert "MySQL or MariaDB" in err
