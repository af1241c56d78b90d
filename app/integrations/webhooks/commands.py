"""`python -m app webhooks deliver` (the delivery worker as a process of its own, or one
pass with --once) and `python -m app reminders send` (one pass of streak reminders)."""

from __future__ import annotations

import argparse
import signal
import threading

from app.core.clock import Clock
from app.core.config import get_settings
from app.core.db import make_engine
from app.integrations.bots import reminders
from app.integrations.webhooks import background, delivery


def deliver(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    clock = Clock()
    if args.once:
        with delivery.new_client(settings.webhook_timeout_seconds) as client:
            tried = delivery.deliver_due(engine, clock, client, limit=args.limit)
        print(f"{tried} deliveries tried")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    background.run(engine, settings, clock, stop, send_reminders=args.reminders)
    return 0


def send_reminders(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    sent = reminders.send_due(engine, settings, Clock().now())
    print(f"{sent} streak reminders sent")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("webhooks", help="partners' webhooks")
    actions = p.add_subparsers(dest="action", required=True)
    d = actions.add_parser("deliver", help="send due deliveries (until stopped, or --once)")
    d.add_argument("--once", action="store_true", help="one pass, then exit")
    d.add_argument("--limit", type=int, default=100, help="deliveries per pass (--once)")
    d.add_argument("--reminders", action="store_true", help="send the chat streak reminders too")
    d.set_defaults(fn=deliver)
    p = sub.add_parser("reminders", help="chat streak reminders")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("send", help="one pass: remind who is due").set_defaults(fn=send_reminders)
