"""The Telegram and WhatsApp bots against local fake platform servers: verified webhooks,
linking by a one-time code, logging reading through the reading service, replays ignored."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import func, select
from sqlmodel import Session

from app.models.reading import ReadingLog
from tests.integrations.conftest import APP_SECRET, SECRET


def telegram(client, update_id: int, text: str, chat: int = 777, secret: str | None = SECRET):
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1763344800,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Siti"},
            "text": text,
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return client.post("/v1/integrations/telegram/webhook", json=update, headers=headers)


def link_code(client, factory, member) -> str:
    r = client.post("/v1/me/chat-link-code", headers=factory.headers(member))
    assert r.status_code == 201, r.text
    return r.json()["code"]


def logs(engine) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(ReadingLog)).scalar_one()


def test_telegram_links_by_code_and_logs_reading_once(bot_client, factory, platforms, engine):
    lib = factory.library()
    reader = factory.member(lib)
    assert telegram(bot_client, 1, "baca 20 halaman Laskar Pelangi").status_code == 200
    assert "belum terhubung" in platforms.texts("telegram")[-1]
    code = link_code(bot_client, factory, reader)

    telegram(bot_client, 2, f"hubungkan {code}")
    assert platforms.texts("telegram")[-1].startswith("Berhasil")
    r = telegram(bot_client, 3, "baca 20 halaman Laskar Pelangi")

    assert r.status_code == 200
    assert "Tercatat: 20 halaman" in platforms.texts("telegram")[-1]
    mine = bot_client.get("/v1/reading-logs", headers=factory.headers(reader)).json()["items"]
    assert [(x["pages"], x["book"]["title"]) for x in mine] == [(20, "Laskar Pelangi")]
    replies = len(platforms.sent)
    # Telegram delivers the same update again: nothing more is logged or said.
    assert telegram(bot_client, 3, "baca 20 halaman Laskar Pelangi").status_code == 200
    assert logs(engine) == 1 and len(platforms.sent) == replies

    telegram(bot_client, 4, "poin")
    assert platforms.texts("telegram")[-1].startswith("Poin: 20")
    telegram(bot_client, 5, "cari laskar")
    assert "Laskar Pelangi" in platforms.texts("telegram")[-1]
    # A code works once.
    telegram(bot_client, 6, f"hubungkan {code}", chat=888)
    assert "tidak berlaku" in platforms.texts("telegram")[-1]


def test_telegram_refuses_unsigned_and_malformed_updates(bot_client, factory, engine, platforms):
    lib = factory.library()
    reader = factory.member(lib)
    code = link_code(bot_client, factory, reader)
    telegram(bot_client, 1, f"hubungkan {code}")
    sent = len(platforms.sent)

    unsigned = telegram(bot_client, 2, "baca 10 halaman Amba", secret=None)
    wrong = telegram(bot_client, 3, "baca 10 halaman Amba", secret="guess")
    garbage = bot_client.post(
        "/v1/integrations/telegram/webhook",
        content=b"{not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )

    assert unsigned.status_code == wrong.status_code == 401
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert garbage.status_code == 400
    assert logs(engine) == 0 and len(platforms.sent) == sent
    # The refused update was not marked handled: the real one still goes through.
    telegram(bot_client, 2, "baca 10 halaman Amba")
    assert logs(engine) == 1


def test_a_child_profile_makes_no_chat_code(bot_client, factory):
    parent = factory.member(factory.library())
    child = factory.child(parent)
    r = bot_client.post("/v1/me/chat-link-code", headers=factory.child_headers(parent, child))
    assert r.status_code == 403


def whatsapp(client, message_id: str, text: str, *, sign: bool = True, sender: str = "628123"):
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "messages": [
                                    {
                                        "from": sender,
                                        "id": message_id,
                                        "timestamp": "1763344800",
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    return client.post("/v1/integrations/whatsapp/webhook", content=body, headers=headers)


def test_whatsapp_verification_challenge(bot_client):
    ok = bot_client.get(
        "/v1/integrations/whatsapp/webhook",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"},
    )
    assert ok.status_code == 200 and ok.text == "42"
    bad = bot_client.get(
        "/v1/integrations/whatsapp/webhook",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"},
    )
    assert bad.status_code == 403


def test_whatsapp_signed_messages_are_answered_once(bot_client, factory, platforms, engine):
    lib = factory.library()
    reader = factory.member(lib)
    code = link_code(bot_client, factory, reader)

    assert whatsapp(bot_client, "wamid.1", f"hubungkan {code}", sign=False).status_code == 401
    assert platforms.sent == []
    assert whatsapp(bot_client, "wamid.1", f"hubungkan {code}").status_code == 200
    assert platforms.texts("whatsapp")[-1].startswith("Berhasil")
    whatsapp(bot_client, "wamid.2", "baca 30 menit Bumi Manusia selesai")
    assert "Tercatat: 30 menit" in platforms.texts("whatsapp")[-1]
    whatsapp(bot_client, "wamid.2", "baca 30 menit Bumi Manusia selesai")  # a replay

    assert logs(engine) == 1
    assert platforms.sent[-1][1]["to"] == "628123"
    mine = bot_client.get("/v1/reading-logs", headers=factory.headers(reader)).json()["items"]
    assert mine[0]["minutes"] == 30 and mine[0]["finished"] is True


def test_bots_are_off_until_configured(client):
    assert client.post("/v1/integrations/telegram/webhook", json={}).status_code == 404
    assert client.post("/v1/integrations/whatsapp/webhook", json={}).status_code == 404


def test_a_refused_log_is_explained_and_leaves_nothing(bot_client, factory, platforms, engine):
    reader = factory.member(factory.library())
    telegram(bot_client, 1, f"hubungkan {link_code(bot_client, factory, reader)}")

    telegram(bot_client, 2, "baca 9999 halaman Buku Yang Tidak Ada")

    assert platforms.texts("telegram")[-1].startswith("Maaf, catatan tidak disimpan")
    assert logs(engine) == 0
    found = bot_client.get("/v1/books?q=Tidak Ada", headers=factory.headers(reader)).json()
    assert found["items"] == []
