"""Command line: migrate, load demo data, create an admin, appoint staff, write the spec."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select

from app.core.clock import Clock
from app.core.config import get_settings
from app.core.db import make_engine, transaction
from app.core.migrate import upgrade
from app.core.problems import Problem
from app.core.security import hash_password
from app.models.member import Member, RegisterRequest

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def openapi_text() -> str:
    from app.main import create_app

    spec = create_app().openapi()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _cmd_migrate(_: argparse.Namespace) -> int:
    upgrade(get_settings().database_url)
    print("database is at the latest migration")
    return 0


def _cmd_demo(_: argparse.Namespace) -> int:
    from app.demo import load_demo

    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    with transaction(engine) as session:
        counts = load_demo(session, settings.demo_password, Clock().now(), history=True)
    print(f"demo data ready: {counts['libraries']} libraries, {counts['members']} members")
    return 0


def _cmd_create_admin(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password for the new admin: ")
    try:
        data = RegisterRequest(
            email=args.email,
            password=password,
            display_name=args.name,
            birth_year=1990,
            library="admin",
        )
    except ValidationError as exc:
        print(f"refused: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    engine = make_engine(get_settings().database_url, pool_size=1)
    with transaction(engine) as session:
        email = data.email.lower()
        existing = session.execute(select(Member).where(Member.email == email)).scalar_one_or_none()
        if existing is not None:
            print(f"refused: {email} already has an account", file=sys.stderr)
            return 2
        session.add(
            Member(
                email=email,
                password_hash=hash_password(data.password),
                role="admin",
                display_name=data.display_name,
                birth_year=1990,
                library_id=None,
                created_at=Clock().now(),
            )
        )
    print(f"admin {email} created")
    return 0


def _cmd_appoint_staff(args: argparse.Namespace) -> int:
    from app.services.libraries import appoint_staff, get_by_slug

    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        with transaction(engine) as session:
            lib = get_by_slug(session, args.library)
            member = session.execute(
                select(Member).where(Member.email == args.email.strip().lower())
            ).scalar_one_or_none()
            if member is None:
                print(f"refused: no account with email {args.email}", file=sys.stderr)
                return 2
            appoint_staff(session, lib, member.id or 0)
    except Problem as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        return 2
    print(f"{args.email} is now staff of {args.library}")
    return 0


def _cmd_ledger_verify(_: argparse.Namespace) -> int:
    from app.leaderboards.redis_setup import process_index
    from app.services.verify import INVARIANTS, check

    engine = make_engine(get_settings().database_url, pool_size=1)
    with transaction(engine, write=False) as session:
        bad = check(session, Clock().now(), process_index())
    if not bad:
        print(f"ledger ok: every invariant holds ({', '.join(INVARIANTS)})")
        return 0
    print("member_id  invariant     what is wrong", file=sys.stderr)
    for breach in bad:
        print(f"{breach.member_id:>9}  {breach.invariant:<12}  {breach.detail}", file=sys.stderr)
    kinds = sorted({b.invariant for b in bad}, key=INVARIANTS.index)
    members = len({b.member_id for b in bad})
    print(
        f"{len(bad)} breach(es) of {', '.join(kinds)}; {members} member(s) affected",
        file=sys.stderr,
    )
    return 1


def _cmd_rescore(args: argparse.Namespace) -> int:
    from app.programmes.reviews import contest  # noqa: F401  (the review goal's progress)
    from app.services.badges import rules_of
    from app.services.libraries import get_by_slug
    from app.services.rescore import apply, preview

    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        with transaction(engine, write=not args.dry_run) as session:
            lib = get_by_slug(session, args.library)
            now = Clock().now()
            result = (
                preview(session, lib, rules_of(lib), now)
                if args.dry_run
                else apply(session, lib, now)
            )
            if args.dry_run:
                session.rollback()
    except Problem as exc:
        print(f"refused: {exc.detail}", file=sys.stderr)
        return 2
    verb = "would book" if args.dry_run else "booked"
    print(
        f"rescored {args.library}: {result.rows} compensating row(s) {verb}; "
        f"{result.members_gaining} member(s) gain, {result.members_losing} lose "
        f"({result.points_change:+d} points); badges {len(result.badges_earned)} earned, "
        f"{len(result.badges_lost)} lost; challenges {len(result.challenges_completed)} "
        f"completed, {len(result.challenges_uncompleted)} no longer"
    )
    return 0


def _cmd_leaderboard(args: argparse.Namespace) -> int:
    from app.leaderboards.rebuild import rebuild
    from app.leaderboards.redis_setup import process_index

    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        for line in rebuild(
            engine, process_index(), Clock().now(), slug=args.library, from_ledger=args.from_ledger
        ):
            print(line)
    except LookupError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_purge(_: argparse.Namespace) -> int:
    from app.services.idempotency import purge_expired

    engine = make_engine(get_settings().database_url, pool_size=1)
    with transaction(engine) as session:
        n = purge_expired(session, Clock().now())
    print(f"purged {n} expired idempotency key(s)")
    return 0


def _cmd_analytics(args: argparse.Namespace) -> int:
    from app.analytics import rebuild, traffic

    engine = make_engine(get_settings().database_url, pool_size=1)
    if args.action == "prune":
        with transaction(engine) as session:
            n = traffic.prune_visitors(session, Clock().now().date())
        print(f"forgot {n} visitor hash(es) past their two days")
        return 0
    try:
        with transaction(engine, write=args.action == "rebuild") as session:
            libs = rebuild.libraries(session, args.library)
            if args.action == "rebuild":
                for lib in libs:
                    print(f"{lib.slug}: {rebuild.rebuild(session, lib)} rollup row(s) written")
                return 0
            bad = [line for lib in libs for line in rebuild.verify(session, lib)]
    except LookupError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        print(f"{len(bad)} analytics figure(s) differ from the logs", file=sys.stderr)
        return 1
    print("analytics ok: every rollup equals the logs, the ledger and the members")
    return 0


def _cmd_import_slims(args: argparse.Namespace) -> int:
    from app.integrations.slims.commands import import_slims

    return import_slims(args)


def _cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_text()
    if args.check:
        current = SPEC_PATH.read_text() if SPEC_PATH.exists() else ""
        if current != text:
            print("openapi/openapi.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    SPEC_PATH.parent.mkdir(exist_ok=True)
    SPEC_PATH.write_text(text)
    print(f"wrote {SPEC_PATH.relative_to(SPEC_PATH.parents[1])}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bacaquest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(fn=_cmd_migrate)
    sub.add_parser("demo", help="load the demo libraries and accounts").set_defaults(fn=_cmd_demo)
    p = sub.add_parser("create-admin", help="create an administrator account")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="Administrator")
    p.add_argument("--password", help="prompted for when left out")
    p.set_defaults(fn=_cmd_create_admin)
    p = sub.add_parser("appoint-staff", help="make a member staff of their library")
    p.add_argument("--email", required=True)
    p.add_argument("--library", required=True, help="library slug")
    p.set_defaults(fn=_cmd_appoint_staff)
    p = sub.add_parser("ledger", help="check the points ledger")
    p.add_argument("action", choices=["verify"])
    p.set_defaults(fn=_cmd_ledger_verify)
    p = sub.add_parser("rescore", help="rebuild a library's ledger under its current rules")
    p.add_argument("--library", required=True, help="library slug")
    p.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    p.set_defaults(fn=_cmd_rescore)
    sub.add_parser(
        "purge-idempotency", help="forget Idempotency-Keys past their expiry"
    ).set_defaults(fn=_cmd_purge)
    p = sub.add_parser("leaderboard", help="rebuild the leaderboards (Redis, or from the ledger)")
    p.add_argument("action", choices=["rebuild"])
    p.add_argument("--library", help="library slug (default: every library)")
    p.add_argument("--from-ledger", action="store_true", help="recount the database first")
    p.set_defaults(fn=_cmd_leaderboard)
    p = sub.add_parser("analytics", help="verify or rebuild the analytics rollups")
    p.add_argument("action", choices=["verify", "rebuild", "prune"])
    p.add_argument("--library", help="library slug (default: every library)")
    p.set_defaults(fn=_cmd_analytics)

    p = sub.add_parser("import", help="import from a library system (SLiMS)")
    systems = p.add_subparsers(dest="system", required=True)
    from app.integrations.slims.commands import add_arguments

    add_arguments(systems.add_parser("slims", help="SLiMS catalogue or members"))
    p.set_defaults(fn=_cmd_import_slims)
    from app.integrations.webhooks.commands import add_parsers

    add_parsers(sub)
    p = sub.add_parser("openapi", help="write (or --check) openapi/openapi.json")
    p.add_argument("--check", action="store_true")
    p.set_defaults(fn=_cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.fn(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
