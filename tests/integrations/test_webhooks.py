"""Partners' webhooks against a real local HTTP receiver: deliveries signed as Standard
Webhooks says (checked with its reference library), retried after a 500 with backoff,
given up, endpoints disabled; the outbox written in the change's own transaction.
(Longer than most modules: one receiver and one flow from registration to replay, kept
together so each test reads as a partner's day.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from app.core.db import transaction
from app.core.problems import Problem
from app.integrations.webhooks import delivery, events, outbox, service
from app.models.reading import ReadingLog, ReadingLogCreate
from app.models.webhooks import EndpointCreate, WebhookDelivery, WebhookEndpoint
from app.reading import logging as reading
from tests.integrations.conftest import QuietHandler, local_server

BASE = "/v1/integrations/webhooks"


class Receiver:
    """A partner's endpoint: records each request, answers the statuses it is given."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.url = ""

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.got]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    fake = Receiver()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.got.append(({k.lower(): v for k, v in self.headers.items()}, raw))
            code = fake.statuses.pop(0) if fake.statuses else 200
            self.reply(code, b'{"received": true}' if code < 300 else b"internal error")

    with local_server(monkeypatch, Handler) as base:
        fake.url = f"{base}/hooks"
        yield fake


@pytest.fixture
def send(engine, clock):
    client = delivery.new_client(5)

    def run() -> int:
        return delivery.deliver_due(engine, clock, client)

    yield run
    client.close()


def register(client, factory, staff, url: str, types: list[str] | None = None) -> dict:
    body = {"url": url, "event_types": types or ["reading_log.accepted"]}
    r = client.post(BASE, json=body, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def log(client, factory, member, title="Laskar Pelangi", pages=20, **kw):
    body = {"book": {"title": title}, "pages": pages, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=factory.headers(member))
    assert r.status_code == 201, r.text
    return r.json()


def signed_by(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The reference library's signature over id.timestamp.body, among those sent."""
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], at, body.decode())
    return expected in headers["webhook-signature"].split(" ")


def deliveries(engine) -> list[WebhookDelivery]:
    with Session(engine) as s:
        return list(s.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def test_a_log_reaches_the_partner_signed_and_shows_in_the_delivery_log(
    client, factory, receiver, send, clock, engine
):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib, display_name="Siti Aminah")
    log(client, factory, reader, "Amba")  # the library had no webhooks: nothing queued
    assert deliveries(engine) == []
    hook = register(client, factory, staff, receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["enabled"]

    made = log(client, factory, reader)
    assert send() == 1

    headers, body = receiver.got[0]
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert signed_by(hook["secret"], headers, body)
    # The spec's algorithm by hand: HMAC-SHA256 of "id.timestamp.body", base64, "v1,".
    key = base64.b64decode(hook["secret"].removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    mac = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{mac}"
    sent = receiver.payloads()[0]
    assert sent["type"] == "reading_log.accepted"
    assert sent["data"]["log"]["id"] == made["log"]["id"]
    assert sent["data"]["member"]["name"] == "Siti Aminah"

    h = factory.headers(staff)
    page = client.get(f"{BASE}/{hook['id']}/deliveries", headers=h).json()
    assert [(d["status"], d["attempts"]) for d in page["items"]] == [("delivered", 1)]
    one = client.get(f"{BASE}/{hook['id']}/deliveries/{page['items'][0]['id']}", headers=h)
    assert one.json()["attempt_log"][0]["status_code"] == 200
    assert one.json()["attempt_log"][0]["response_body"] == '{"received": true}'
    assert send() == 0  # delivered once, not again


def test_the_reference_library_verifies_a_live_delivery(client, factory, receiver, send, clock):
    clock.set(datetime.now(UTC))  # its verifier allows five minutes of clock skew only
    lib = factory.library()
    hook = register(client, factory, factory.staff(lib), receiver.url)
    log(client, factory, factory.member(lib))
    send()
    headers, body = receiver.got[0]
    assert Webhook(hook["secret"]).verify(body, headers)["type"] == "reading_log.accepted"


def test_a_500_is_retried_later_with_the_same_webhook_id(
    client, factory, receiver, send, clock, engine
):
    lib = factory.library()
    hook = register(client, factory, factory.staff(lib), receiver.url)
    receiver.statuses = [500]
    log(client, factory, factory.member(lib))

    assert send() == 1
    (d,) = deliveries(engine)
    assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, 500)
    wait = (d.next_attempt_at.replace(tzinfo=UTC) - clock.now()).total_seconds()
    assert 2.5 <= wait <= 5  # the first backoff: 5 s with jitter
    assert send() == 0  # not due yet
    clock.advance(seconds=6)
    assert send() == 1

    (d,) = deliveries(engine)
    assert (d.status, d.attempts) == ("delivered", 2)
    first, second = receiver.got
    assert first[0]["webhook-id"] == second[0]["webhook-id"]
    assert signed_by(hook["secret"], *second)
    with Session(engine) as s:
        e = s.get(WebhookEndpoint, hook["id"])
        assert e is not None and e.consecutive_failures == 0


def test_backoff_grows_and_a_delivery_is_given_up_after_its_last_attempt(
    client, factory, receiver, send, clock, engine
):
    lib = factory.library()
    register(client, factory, factory.staff(lib), receiver.url)
    receiver.statuses = [500] * delivery.MAX_ATTEMPTS
    log(client, factory, factory.member(lib))
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        assert send() == 1
        (d,) = deliveries(engine)
        waits.append((d.next_attempt_at.replace(tzinfo=UTC) - clock.now()).total_seconds())
        clock.advance(seconds=delivery.CAP_SECONDS + 1)
    (d,) = deliveries(engine)
    assert (d.status, d.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert all(b > a for a, b in itertools.pairwise(waits[:-1]))  # the last: no retry
    assert send() == 0 and len(receiver.got) == delivery.MAX_ATTEMPTS


def test_an_endpoint_failing_again_and_again_is_disabled_until_staff_enable_it(
    client, factory, receiver, send, clock, engine, monkeypatch
):
    monkeypatch.setattr(delivery, "DISABLE_AFTER", 3)
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    hook = register(client, factory, staff, receiver.url)
    receiver.statuses = [500] * 3
    for title in ("Amba", "Bumi Manusia", "Cantik Itu Luka"):
        log(client, factory, reader, title)
    assert send() == 3
    h = factory.headers(staff)
    now = client.get(f"{BASE}/{hook['id']}", headers=h).json()
    assert now["enabled"] is False and "3 deliveries" in now["disabled_reason"]
    clock.advance(seconds=60)
    assert send() == 0  # a disabled endpoint is sent nothing; its deliveries wait
    log(client, factory, reader, "Dilan")
    assert len(deliveries(engine)) == 3  # and gets nothing new

    back = client.patch(f"{BASE}/{hook['id']}", json={"enabled": True}, headers=h).json()
    assert back["enabled"] and back["consecutive_failures"] == 0
    assert send() == 3 and all(d.status == "delivered" for d in deliveries(engine))


def test_a_410_gone_disables_the_endpoint_at_once(client, factory, receiver, send):
    lib = factory.library()
    staff = factory.staff(lib)
    hook = register(client, factory, staff, receiver.url)
    receiver.statuses = [410]
    log(client, factory, factory.member(lib))
    send()
    got = client.get(f"{BASE}/{hook['id']}", headers=factory.headers(staff)).json()
    assert got["enabled"] is False and "410" in got["disabled_reason"]


def test_staff_replay_a_delivery_with_its_webhook_id(client, factory, receiver, send):
    lib = factory.library()
    staff = factory.staff(lib)
    hook = register(client, factory, staff, receiver.url)
    log(client, factory, factory.member(lib))
    send()
    h = factory.headers(staff)
    (d,) = client.get(f"{BASE}/{hook['id']}/deliveries", headers=h).json()["items"]

    r = client.post(f"{BASE}/{hook['id']}/deliveries/{d['id']}/replay", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert send() == 1
    assert receiver.got[0][0]["webhook-id"] == receiver.got[1][0]["webhook-id"]
    assert receiver.got[0][1] == receiver.got[1][1]
    again = client.get(f"{BASE}/{hook['id']}/deliveries/{d['id']}", headers=h).json()
    assert again["status"] == "delivered" and len(again["attempt_log"]) == 2


def test_a_rotated_secret_signs_next_to_the_old_one_for_a_day(
    client, factory, receiver, send, clock
):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    old = register(client, factory, staff, receiver.url)["secret"]
    r = client.post(f"{BASE}/{1}/secret", headers=factory.headers(staff))
    new = r.json()["secret"]
    assert r.status_code == 200 and new != old and new.startswith("whsec_")
    log(client, factory, reader)
    send()
    assert signed_by(new, *receiver.got[0]) and signed_by(old, *receiver.got[0])
    clock.advance(hours=25)
    log(client, factory, reader, "Amba")
    send()
    assert signed_by(new, *receiver.got[1]) and not signed_by(old, *receiver.got[1])


def test_nothing_is_queued_when_the_change_rolls_back(engine, factory, clock, settings):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    with transaction(engine) as s:
        service.create(
            s,
            lib.id or 0,
            staff,
            EndpointCreate(url="http://127.0.0.1:9/x", event_types=["reading_log.accepted"]),
            "test",
            clock.now(),
        )
    data = ReadingLogCreate(book={"title": "Laskar Pelangi"}, pages=20)

    def log_then(fail: bool) -> None:
        with transaction(engine) as s:
            _, body = reading.create_log(s, reader, data, clock.now(), None, 72)
            events.after_logs(s, settings.secret_key, reader, (body,), clock.now())
            assert len(list(s.execute(select(WebhookDelivery)).scalars())) >= 1
            if fail:
                raise Problem(409, "conflict", "Something after the log failed.")

    with pytest.raises(Problem):
        log_then(fail=True)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(ReadingLog)).scalar_one() == 0
    assert deliveries(engine) == []
    log_then(fail=False)
    assert len(deliveries(engine)) == 1


def test_a_library_without_webhooks_costs_no_query_per_log(client, factory, engine, settings):
    lib = factory.library()
    reader = factory.member(lib)
    made = log(client, factory, reader)  # the process has this library's catalogue now
    statements: list[str] = []

    def count(conn, cursor, statement, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as s:
            events.after_logs(s, settings.secret_key, reader, (json.dumps(made),), lib.created_at)
            events.after_logs(s, settings.secret_key, reader, (json.dumps(made),), lib.created_at)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # At most the one read that labels the library's (empty) subscriptions, then none.
    assert len(statements) <= 1
    statements.clear()
    event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as s:
            assert outbox.subscribed(s, lib.id) == {}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []


def test_a_childs_events_name_nobody(client, factory, receiver, send):
    lib = factory.library()
    staff, parent = factory.staff(lib), factory.member(lib, display_name="Ibu Rina")
    register(client, factory, staff, receiver.url, ["reading_log.accepted", "member.joined"])
    child = factory.child(parent, nickname="Kancil")
    log(client, factory, parent, member_id=child.id)
    created = client.post(
        "/v1/me/children",
        json={
            "display_name": "Budi Santoso",
            "nickname": "Budi",
            "birth_year": 2018,
            "consent": {"accepted": True, "version": "2026-12"},
        },
        headers=factory.headers(parent),
    )
    assert created.status_code == 201, created.text
    send()
    kinds = {p["type"]: p for p in receiver.payloads()}
    assert set(kinds) == {"reading_log.accepted", "member.joined"}
    for p in kinds.values():
        who = p["data"]["member"]
        assert who["minor"] is True and set(who) == {"ref", "minor"}
    text = b" ".join(body for _, body in receiver.got).decode()
    for personal in ("Kancil", "Budi", "Santoso", "Rina", "SD Negeri", '"member_id"', '"name"'):
        assert personal not in text


def test_badges_challenges_and_new_members_are_sent_as_subscribed(client, factory, receiver, send):
    lib = factory.library()
    staff = factory.staff(lib)
    h = factory.headers(staff)
    badge = {
        "name": "Pembaca Pertama",
        "icon": "trophy",
        "bonus_points": 5,
        "criteria": [{"metric": "pages", "target": 10, "period": "all_time"}],
    }
    assert client.post("/v1/badges", json=badge, headers=h).status_code == 201
    register(client, factory, staff, receiver.url, ["badge.earned", "member.joined"])
    joined = client.post(
        "/v1/auth/register",
        json={
            "email": "dewi@example.org",
            "password": "kopi-tubruk-dan-buku-tua",
            "display_name": "Dewi Lestari",
            "birth_year": 1990,
            "library": lib.slug,
        },
    )
    assert joined.status_code == 201, joined.text
    reader = factory.member(lib)
    log(client, factory, reader)
    log(client, factory, reader, "Amba")  # no second badge
    send()
    kinds = [p["type"] for p in receiver.payloads()]
    assert sorted(kinds) == ["badge.earned", "member.joined"]
    (earned,) = [p for p in receiver.payloads() if p["type"] == "badge.earned"]
    assert earned["data"]["badge"]["name"] == "Pembaca Pertama"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://partner.example/x", "event_types": ["badge.earned"]}, "url"),
        ({"url": "https://", "event_types": ["badge.earned"]}, "url"),
        ({"url": "https://u:p@partner.example/x", "event_types": ["badge.earned"]}, "url"),
        ({"url": "https://partner.example:99999/x", "event_types": ["badge.earned"]}, "url"),
        ({"url": "https://partner.example/x", "event_types": []}, "event_types"),
        ({"url": "https://partner.example/x", "event_types": ["log.deleted"]}, "event_types.0"),
        ({"url": "x" * 501, "event_types": ["badge.earned"]}, "url"),
        ({"event_types": ["badge.earned"]}, "url"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(client, factory, engine, body, field):
    staff = factory.staff(factory.library())
    r = client.post(BASE, json=body, headers=factory.headers(staff))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"].removeprefix("body.") for e in r.json()["errors"]]
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(WebhookEndpoint)).scalar_one() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example/x",
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://192.168.1.9/x",
        "https://[::1]/x",
    ],
)
def test_production_wants_public_https(url):
    with pytest.raises(Problem) as refused:
        service.check_url(url, "production")
    assert refused.value.status == 422
    assert service.check_url("https://sekolah.example/hooks", "production")
    assert service.check_url(url, "development")


def test_staff_see_only_their_own_librarys_endpoints(client, factory, receiver, send):
    lib, other = factory.library(), factory.library()
    hook = register(client, factory, factory.staff(lib), receiver.url)
    log(client, factory, factory.member(lib))
    send()
    stranger = factory.headers(factory.staff(other))
    for path in (
        f"{BASE}/{hook['id']}",
        f"{BASE}/{hook['id']}/deliveries",
        f"{BASE}/{hook['id']}/deliveries/1",
    ):
        assert client.get(path, headers=stranger).status_code == 404
    assert client.get(BASE, headers=stranger).json() == []
    assert client.post(f"{BASE}/{hook['id']}/secret", headers=stranger).status_code == 404
    gone = client.post(f"{BASE}/{hook['id']}/deliveries/1/replay", headers=stranger)
    assert gone.status_code == 404
    assert client.delete(f"{BASE}/{hook['id']}", headers=stranger).status_code == 404
    reader = factory.headers(factory.member(lib))
    assert client.get(BASE, headers=reader).status_code == 403
    assert client.post(BASE, json={}, headers=reader).status_code in (403, 422)


def test_a_removed_endpoint_gets_nothing_more(client, factory, receiver, send, engine):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    hook = register(client, factory, staff, receiver.url)
    h = factory.headers(staff)
    assert client.delete(f"{BASE}/{hook['id']}", headers=h).status_code == 204
    log(client, factory, reader)
    assert deliveries(engine) == [] and send() == 0
    assert client.get(BASE, headers=h).json() == []
    types = client.get(f"{BASE}/event-types", headers=h).json()
    assert {t["type"] for t in types} >= {"badge.earned", "event.attended"}


def test_event_attendance_is_sent_once(client, factory, receiver, send):
    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib, display_name="Andi Wijaya")
    register(client, factory, staff, receiver.url, ["event.attended"])
    body = {
        "title": "Bedah Buku",
        "place": "Aula",
        "kind": "discussion",
        "starts_local": "2026-11-17T08:30",
        "ends_local": "2026-11-17T10:00",
        "points": 10,
    }
    made = client.post("/v1/events", json=body, headers=factory.headers(staff))
    assert made.status_code == 201, made.text
    ev = made.json()
    h = factory.headers(reader)
    assert client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h).is_success
    again = client.post("/v1/events/check-in", json={"code": ev["code"]}, headers=h)
    assert again.status_code == 409
    send()
    (sent,) = receiver.payloads()
    assert sent["type"] == "event.attended" and sent["data"]["event"]["id"] == ev["id"]
    assert sent["data"]["member"]["name"] == "Andi Wijaya"


def test_a_completed_challenge_is_sent_once(client, factory, receiver, send):
    from tests.factories import november_challenge

    lib = factory.library()
    staff, reader = factory.staff(lib), factory.member(lib)
    h = factory.headers(staff)
    made = client.post("/v1/challenges", json=november_challenge(target=30), headers=h)
    assert made.status_code == 201, made.text
    ch = made.json()
    joined = client.post(f"/v1/challenges/{ch['id']}/join", headers=factory.headers(reader))
    assert joined.is_success
    register(client, factory, staff, receiver.url, ["challenge.completed"])
    log(client, factory, reader, pages=20)
    log(client, factory, reader, "Amba", pages=20)  # completes it
    log(client, factory, reader, "Dilan", pages=20)  # already complete
    send()
    (sent,) = receiver.payloads()
    assert sent["type"] == "challenge.completed"
    assert sent["data"]["challenge"]["challenge_id"] == ch["id"]


def test_a_timeout_is_a_failed_attempt_retried_later(client, factory, engine, clock, monkeypatch):
    class Slow(QuietHandler):
        def do_POST(self) -> None:
            threading.Event().wait(1.5)
            self.reply(200, b"")

    with local_server(monkeypatch, Slow) as base:
        lib = factory.library()
        register(client, factory, factory.staff(lib), f"{base}/slow")
        log(client, factory, factory.member(lib))
        with delivery.new_client(0.3) as impatient:
            assert delivery.deliver_due(engine, clock, impatient) == 1
    (d,) = deliveries(engine)
    assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, None)
    assert d.last_error is not None and "Timeout" in d.last_error


def test_the_apps_own_worker_delivers_in_the_background(db_url, engine, clock, factory, receiver):
    from fastapi.testclient import TestClient

    from app.core.config import Settings
    from app.main import create_app

    settings = Settings(
        environment="test", database_url=db_url, db_pool_size=8, background_worker=True
    )
    with TestClient(create_app(settings, engine=engine, clock=clock)) as app_client:
        lib = factory.library()
        register(app_client, factory, factory.staff(lib), receiver.url)
        log(app_client, factory, factory.member(lib))
        for _ in range(100):  # the worker looks every two seconds at most
            if receiver.got:
                break
            threading.Event().wait(0.1)
    assert [p["type"] for p in receiver.payloads()] == ["reading_log.accepted"]
    assert deliveries(engine)[0].status == "delivered"


def test_the_command_delivers_once(db_url, factory, client, receiver, engine, monkeypatch):
    from app.cli import main
    from app.core.config import get_settings

    lib = factory.library()
    register(client, factory, factory.staff(lib), receiver.url)
    log(client, factory, factory.member(lib))
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        # The command runs on the wall clock, long after the fixed test instant.
        assert main(["webhooks", "deliver", "--once"]) == 0
    finally:
        get_settings.cache_clear()
    assert deliveries(engine)[0].status == "delivered"


def test_bad_changes_and_queries_are_refused_and_change_nothing(client, factory, receiver):
    lib = factory.library()
    staff = factory.staff(lib)
    h = factory.headers(staff)
    hook = register(client, factory, staff, receiver.url)
    for body, field in (
        ({"url": "mailto:a@b.c"}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["badge.lost"]}, "event_types.0"),
        ({"enabled": "maybe"}, "enabled"),
    ):
        r = client.patch(f"{BASE}/{hook['id']}", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"].removeprefix("body.") for e in r.json()["errors"]]
    assert client.get(f"{BASE}/{hook['id']}", headers=h).json() == {
        k: v for k, v in hook.items() if k != "secret"
    }
    deliveries_path = f"{BASE}/{hook['id']}/deliveries"
    assert client.get(deliveries_path, params={"status": "lost"}, headers=h).status_code == 422
    assert client.get(deliveries_path, params={"cursor": "nope"}, headers=h).status_code == 400
    assert client.get(f"{BASE}/0", headers=h).status_code == 422
    assert client.get(f"{BASE}/{hook['id']}/deliveries/99", headers=h).status_code == 404
