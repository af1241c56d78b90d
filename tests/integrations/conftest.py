"""Fixtures for the integrations: a real MariaDB database shaped like SLiMS's, and an
OAI-PMH endpoint served by the test itself on a free port."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.core.config import Settings
from app.main import create_app

MARIADB_URL = os.environ.get("SLIMS_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")

# A small SLiMS schema: the real tables' names and columns (fewer of them), so the
# import reads what a SLiMS database holds, extra columns included.
SLIMS_SCHEMA = (
    """CREATE TABLE biblio (
        biblio_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        gmd_id INT DEFAULT NULL,
        title TEXT NOT NULL,
        sor VARCHAR(200) DEFAULT NULL,
        edition VARCHAR(50) DEFAULT NULL,
        isbn_issn VARCHAR(32) DEFAULT NULL,
        publisher_id INT DEFAULT NULL,
        publish_year VARCHAR(20) DEFAULT NULL,
        call_number VARCHAR(50) DEFAULT NULL,
        language_id CHAR(5) DEFAULT 'en',
        opac_hide SMALLINT DEFAULT 0,
        input_date DATETIME DEFAULT NULL,
        last_update DATETIME DEFAULT NULL,
        uid INT DEFAULT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE mst_author (
        author_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        author_name VARCHAR(100) NOT NULL,
        author_year VARCHAR(20) DEFAULT NULL,
        authority_type ENUM('p','o','c') DEFAULT 'p',
        input_date DATE DEFAULT NULL,
        last_update DATE DEFAULT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE biblio_author (
        biblio_id INT NOT NULL, author_id INT NOT NULL, level INT NOT NULL DEFAULT 1,
        PRIMARY KEY (biblio_id, author_id)
    ) ENGINE=InnoDB""",
    """CREATE TABLE mst_topic (
        topic_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        topic VARCHAR(50) NOT NULL,
        topic_type ENUM('t','g','n','tm','gr','oc') NOT NULL DEFAULT 't'
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE biblio_topic (
        biblio_id INT NOT NULL, topic_id INT NOT NULL, level INT NOT NULL DEFAULT 1,
        PRIMARY KEY (biblio_id, topic_id)
    ) ENGINE=InnoDB""",
    """CREATE TABLE member (
        member_id VARCHAR(20) NOT NULL PRIMARY KEY,
        member_name VARCHAR(100) NOT NULL,
        gender INT NOT NULL DEFAULT 0,
        birth_date DATE DEFAULT NULL,
        member_type_id INT DEFAULT NULL,
        member_address VARCHAR(255) DEFAULT NULL,
        member_email VARCHAR(100) DEFAULT NULL,
        inst_name VARCHAR(100) DEFAULT NULL,
        member_phone VARCHAR(50) DEFAULT NULL,
        member_since_date DATE DEFAULT NULL,
        register_date DATE DEFAULT NULL,
        expire_date DATE NOT NULL,
        mpasswd VARCHAR(64) DEFAULT NULL,
        input_date DATE DEFAULT NULL,
        last_update DATE DEFAULT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
)


@pytest.fixture
def slims_db() -> Iterator[tuple[str, Engine]]:
    """A fresh, uniquely named SLiMS-shaped database on the local MariaDB: its URL and an
    engine to write test data with (the import connects on its own, read-only)."""
    try:
        admin = create_engine(MARIADB_URL, pool_size=1, max_overflow=0)
        admin.connect().close()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"MariaDB is unreachable at {MARIADB_URL} and must run in CI: {exc}")
        pytest.skip(f"MariaDB is unreachable at {MARIADB_URL} (runs in CI): {exc}")
    name = f"slims_t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = f"{MARIADB_URL}/{name}?charset=utf8mb4"
    engine = create_engine(url, pool_size=1, max_overflow=0)
    with engine.begin() as conn:
        for ddl in SLIMS_SCHEMA:
            conn.execute(text(ddl))
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


# --- a tiny OAI-PMH endpoint ---------------------------------------------------------


@dataclass
class OaiRecord:
    biblio_id: int
    datestamp: str
    title: str = ""
    creators: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    language: str = "id"
    deleted: bool = False


@dataclass
class FakeOai:
    records: list[OaiRecord] = field(default_factory=list)
    page_size: int = 2
    requests: list[dict[str, str]] = field(default_factory=list)
    fail_tokens: set[str] = field(default_factory=set)
    forget_tokens: bool = False
    response_date: str = "2026-11-17T02:00:00Z"
    url: str = ""

    def answer(self, params: dict[str, str]) -> tuple[int, str]:
        self.requests.append(params)
        if params.get("verb") != "ListRecords":
            return 200, self._error("badVerb", "only ListRecords here")
        token = params.get("resumptionToken")
        if token is not None:
            if token in self.fail_tokens:
                self.fail_tokens.discard(token)
                return 500, "server exploded"
            if self.forget_tokens:
                return 200, self._error("badResumptionToken", "expired")
            offset_text, _, since = token.partition(":")
            offset = int(offset_text)
        else:
            if params.get("metadataPrefix") != "oai_dc":
                return 200, self._error("cannotDisseminateFormat", "oai_dc only")
            offset, since = 0, params.get("from", "")
        chosen = [r for r in self.records if not since or r.datestamp[:10] >= since]
        if not chosen:
            return 200, self._error("noRecordsMatch", "nothing")
        page = chosen[offset : offset + self.page_size]
        body = "".join(self._record(r) for r in page)
        if offset + self.page_size < len(chosen):
            nxt = f"{offset + self.page_size}:{since}"
            body += f'<resumptionToken cursor="{offset}">{nxt}</resumptionToken>'
        elif token is not None:
            body += "<resumptionToken/>"
        return 200, self._envelope(f"<ListRecords>{body}</ListRecords>")

    def _envelope(self, inner: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f"<responseDate>{self.response_date}</responseDate>"
            f'<request verb="ListRecords">{escape(self.url)}</request>{inner}</OAI-PMH>'
        )

    def _error(self, code: str, text_: str) -> str:
        return self._envelope(f'<error code="{code}">{escape(text_)}</error>')

    def _record(self, r: OaiRecord) -> str:
        status = ' status="deleted"' if r.deleted else ""
        header = (
            f"<header{status}><identifier>oai:slims/{r.biblio_id}</identifier>"
            f"<datestamp>{r.datestamp}</datestamp></header>"
        )
        if r.deleted:
            return f"<record>{header}</record>"

        def dc(tag: str, values: list[str]) -> str:
            return "".join(f"<dc:{tag}>{escape(v)}</dc:{tag}>" for v in values)

        meta = (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + dc("title", [r.title] if r.title else [])
            + dc("creator", r.creators)
            + dc("subject", r.subjects)
            + dc("identifier", [*r.identifiers, f"http://slims.example/index.php?id={r.biblio_id}"])
            + dc("language", [r.language])
            + "</oai_dc:dc>"
        )
        return f"<record>{header}<metadata>{meta}</metadata></record>"


class QuietHandler(BaseHTTPRequestHandler):
    """A local fake's request handler: answers with `reply`, logs nothing."""

    def reply(self, status: int, data: bytes, content_type: str | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def local_server(
    monkeypatch: pytest.MonkeyPatch, handler: type[BaseHTTPRequestHandler]
) -> Iterator[str]:
    """Serve `handler` on a free local port, with no proxy in the way; yields its base URL."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def oai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOai]:
    fake = FakeOai()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            status, body = fake.answer({k: v[0] for k, v in query.items()})
            self.reply(status, body.encode(), "text/xml; charset=utf-8")

    with local_server(monkeypatch, Handler) as base:
        fake.url = f"{base}/oai.php"
        yield fake


# --- the chat platforms: Telegram's Bot API and WhatsApp's Cloud API, served locally ---

SECRET = "telegram-webhook-secret-1"
APP_SECRET = "whatsapp-app-secret"


class FakePlatforms:
    """The Telegram Bot API and the WhatsApp Cloud API, as far as the bots use them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.url = ""

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("/getMe"):
            user = {"id": 42, "is_bot": True, "first_name": "BacaQuest", "username": "bq_bot"}
            return {"ok": True, "result": user}
        if path.endswith("/sendMessage"):
            self.sent.append(("telegram", body))
            chat = {"id": int(body["chat_id"]), "type": "private"}
            return {"ok": True, "result": {"message_id": 1, "date": 0, "chat": chat}}
        if path.endswith("/messages"):
            self.sent.append(("whatsapp", body))
            return {"messages": [{"id": "wamid.reply"}]}
        return {"ok": False, "description": "unknown"}

    def texts(self, platform: str) -> list[str]:
        out = []
        for p, body in self.sent:
            if p == platform:
                out.append(body["text"] if p == "telegram" else body["text"]["body"])
        return out


@pytest.fixture
def platforms(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatforms]:
    fake = FakePlatforms()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw or b"{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            data = json.dumps(fake.answer(self.path, body)).encode()
            self.reply(200, data, "application/json")

    with local_server(monkeypatch, Handler) as base:
        fake.url = base
        yield fake


@pytest.fixture
def bot_client(db_url, engine, clock, platforms) -> Iterator[TestClient]:
    settings = Settings(
        environment="test",
        database_url=db_url,
        db_pool_size=8,
        max_in_flight=4,
        telegram_bot_token="123:TEST",
        telegram_webhook_secret=SECRET,
        telegram_api_base_url=f"{platforms.url}/bot",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token="verify-me",
        whatsapp_access_token="wa-token",
        whatsapp_phone_number_id="1000",
        whatsapp_api_base_url=f"{platforms.url}/v21.0",
    )
    with TestClient(create_app(settings, engine=engine, clock=clock)) as c:
        yield c
