"""`python -m app import slims catalogue|members ...`: the imports from the command line,
each page committed on its own so a failed run resumes where it stopped."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.core.clock import Clock
from app.core.config import get_settings
from app.core.db import make_engine, transaction
from app.core.problems import Problem
from app.integrations.slims import oai, runs, source_csv, source_db
from app.models.slims import ImportReport


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("stream", choices=["catalogue", "members"])
    p.add_argument("--library", required=True, help="library slug")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--oai", metavar="URL", help="the SLiMS OAI-PMH endpoint (catalogue)")
    source.add_argument(
        "--db", metavar="URL", help="read-only SLiMS database, mysql+pymysql://user:pw@host/slims"
    )
    source.add_argument("--csv", metavar="FILE", type=Path, help="SLiMS member export (members)")
    p.add_argument("--full", action="store_true", help="read everything, not only changes")
    p.add_argument("--verbose", "-v", action="store_true", help="list unchanged rows too")


def _units(engine: Engine):  # type: ignore[no-untyped-def]
    @contextmanager
    def unit() -> Iterator[Session]:
        with transaction(engine) as session:
            yield session

    return unit


def _print(report: ImportReport, verbose: bool) -> None:
    for row in report.rows:
        if verbose or row.reason != "unchanged":
            book = f" book {row.book_id}" if row.book_id else ""
            print(f"{row.action:<8} {row.source_id:<20} {row.reason}{book}")
    print(
        f"{report.stream} from {report.route}: {report.created} created, {report.updated} "
        f"updated, {report.skipped} skipped, {report.removed} removed"
    )


def import_slims(args: argparse.Namespace) -> int:
    from app.services.libraries import get_by_slug

    if args.stream == "catalogue" and args.csv:
        print(
            "refused: --csv imports members; the catalogue comes by --oai or --db", file=sys.stderr
        )
        return 2
    if args.stream == "members" and args.oai:
        print(
            "refused: members come by --csv or --db (OAI-PMH carries the catalogue)",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        with transaction(engine, write=False) as session:
            library_id = get_by_slug(session, args.library).id or 0
    except Problem as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        return 2
    units, now = _units(engine), Clock().now()
    try:
        if args.oai:
            report = runs.catalogue_from_oai(units, library_id, args.oai, now, full=args.full)
        elif args.csv:
            data = args.csv.read_bytes()
            report = runs.members_from_csv(units, library_id, data, now, full=args.full)
        elif args.stream == "catalogue":
            report = runs.catalogue_from_db(units, library_id, args.db, now, full=args.full)
        else:
            report = runs.members_from_db(units, library_id, args.db, now, full=args.full)
    except (oai.HarvestError, source_db.SourceError, source_csv.CsvError, OSError) as exc:
        print(f"failed: {exc}", file=sys.stderr)
        print(
            "the pages imported so far are kept; run the command again to resume", file=sys.stderr
        )
        return 1
    _print(report, args.verbose)
    return 0
