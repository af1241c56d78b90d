"""The app's background worker: a thread (not the request thread pool, so it never takes
a member's place) that adds the analytics backlog to the rollups, sends due webhook
deliveries and, every few minutes, the chat streak reminders. `python -m app webhooks
deliver` runs the same loop as a process.
Several workers at once are safe: deliveries are claimed, reminders claimed per day."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine

from app.analytics import backlog
from app.core.clock import Clock
from app.core.config import Settings
from app.integrations.bots import reminders
from app.integrations.webhooks import delivery

log = logging.getLogger("bacaquest.worker")
IDLE_SECONDS = 2.0
REMINDER_SECONDS = 300.0


def wanted(settings: Settings) -> bool:
    if settings.background_worker is not None:
        return settings.background_worker
    return settings.environment != "test"


def run(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    stop: threading.Event,
    *,
    send_reminders: bool = True,
) -> None:
    """Until `stop` is set; a failing pass is logged and the loop goes on."""
    next_reminders = 0.0
    with delivery.new_client(settings.webhook_timeout_seconds) as client:
        while not stop.is_set():
            busy = 0
            try:
                backlog.drain(engine)
            except Exception:
                log.exception("analytics backlog pass failed")
            try:
                busy = delivery.deliver_due(engine, clock, client)
            except Exception:
                log.exception("webhook delivery pass failed")
            if send_reminders and time.monotonic() >= next_reminders:
                next_reminders = time.monotonic() + REMINDER_SECONDS
                try:
                    reminders.send_due(engine, settings, clock.now())
                except Exception:
                    log.exception("streak reminder pass failed")
            if not busy:
                stop.wait(IDLE_SECONDS)


@dataclass
class Worker:
    thread: threading.Thread
    event: threading.Event

    def stop(self) -> None:
        self.event.set()
        self.thread.join(timeout=30)


def start(app: FastAPI) -> Worker:
    stop = threading.Event()
    thread = threading.Thread(
        target=run,
        args=(app.state.engine, app.state.settings, app.state.clock, stop),
        name="bacaquest-worker",
        daemon=True,
    )
    thread.start()
    return Worker(thread, stop)
