"""Messages the bots send: Telegram through python-telegram-bot, WhatsApp through the
Cloud API. A failed send is logged, never raised: what it answers is already stored."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from telegram import Bot
from telegram.error import TelegramError

from app.core.config import Settings

log = logging.getLogger("bacaquest.bots")


async def whatsapp_send(settings: Settings, to: str, text: str, *, template: bool = False) -> bool:
    """A text; `template`: the approved template `whatsapp_reminder_template` with the
    text as its one body parameter (WhatsApp lets a business start a chat only so)."""
    url = f"{settings.whatsapp_api_base_url}/{settings.whatsapp_phone_number_id}/messages"
    body: dict[str, Any] = {"messaging_product": "whatsapp", "to": to}
    if template and settings.whatsapp_reminder_template:
        lines = [line for line in text.splitlines() if line.strip()]
        body["type"] = "template"
        body["template"] = {
            "name": settings.whatsapp_reminder_template,
            "language": {"code": "id"},
            # A template parameter may hold no line breaks.
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": " · ".join(lines)}]}
            ],
        }
    else:
        body |= {"type": "text", "text": {"body": text}}
    headers = {"Authorization": f"Bearer {settings.whatsapp_access_token}"}
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            (await client.post(url, json=body, headers=headers)).raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("whatsapp message to %s failed: %s", to, exc)
        return False
    return True


async def telegram_send(bot: Bot, chat_id: str, text: str) -> bool:
    try:
        await bot.send_message(chat_id=chat_id, text=text)
    except TelegramError as exc:
        log.warning("telegram message to %s failed: %s", chat_id, exc)
        return False
    return True
