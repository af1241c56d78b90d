"""The chat bots' webhooks: Telegram (python-telegram-bot, webhook mode, its secret token
header checked) and the WhatsApp Cloud API (`X-Hub-Signature-256` HMAC of the body with
the app secret; the GET verification challenge). An unsigned or malformed webhook gets
401 or 400 and changes nothing. A member makes the one-time link code in the app."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool
from telegram import Bot, Update

from app.core.config import Settings
from app.core.problem_docs import problems
from app.core.problems import Problem, bad_request, forbidden, not_found
from app.deps import ClockDep, CurrentMember, SessionDep, unit_of_work
from app.integrations.bots import conversation, outgoing
from app.models.chat import ChatLinkCodePublic

router = APIRouter(prefix="/v1", tags=["bots"])
MAX_BODY = 256 * 1024


def _unsigned(detail: str) -> Problem:
    return Problem(401, "webhook-unsigned", detail, title="Webhook not verified")


async def _json_body(request: Request) -> tuple[bytes, dict[str, Any]]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Problem(413, "payload-too-large", "The webhook body is too large.")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("The webhook body is not JSON.", "webhook-malformed") from None
    if not isinstance(data, dict):
        raise bad_request("The webhook body is not a JSON object.", "webhook-malformed")
    return raw, data


def _answer(request: Request, platform: str, chat_id: str, update_id: str, text: str) -> Any:
    settings: Settings = request.app.state.settings
    now = request.app.state.clock.now()

    def job() -> str | None:
        with unit_of_work(request.app.state.engine, write=True) as session:
            return conversation.handle(session, settings, platform, chat_id, update_id, text, now)

    return run_in_threadpool(job)


@router.post(
    "/me/chat-link-code",
    status_code=status.HTTP_201_CREATED,
    response_model=ChatLinkCodePublic,
    responses=problems(401, 403),
)
def create_chat_link_code(
    member: CurrentMember, session: SessionDep, clock: ClockDep
) -> ChatLinkCodePublic:
    """A one-time code (10 minutes) to link a Telegram or WhatsApp chat to this account."""
    return conversation.new_link_code(session, member, clock.now())


async def _telegram_bot(request: Request, settings: Settings) -> Bot:
    bot: Bot | None = getattr(request.app.state, "telegram_bot", None)
    if bot is None:
        bot = Bot(settings.telegram_bot_token or "", base_url=settings.telegram_api_base_url)
        await bot.initialize()
        request.app.state.telegram_bot = bot
    return bot


@router.post("/integrations/telegram/webhook", responses=problems(400, 401, 404, 413))
async def telegram_webhook(
    request: Request,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    """Telegram's updates (setWebhook with `secret_token`); answers in the chat."""
    settings: Settings = request.app.state.settings
    if not settings.telegram_bot_token or not settings.telegram_webhook_secret:
        raise not_found("The Telegram bot")
    if secret is None or not hmac.compare_digest(
        secret.encode(), settings.telegram_webhook_secret.encode()
    ):
        raise _unsigned("The Telegram secret token is missing or wrong.")
    _, data = await _json_body(request)
    bot = await _telegram_bot(request, settings)
    try:
        update = Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise bad_request("The body is not a Telegram update.", "webhook-malformed") from None
    message = update.effective_message if update else None
    if update is None or message is None or not message.text or update.effective_chat is None:
        return {"ok": True}  # nothing to answer (a sticker, an edit, a member joining)
    chat_id = str(update.effective_chat.id)
    reply = await _answer(request, "telegram", chat_id, str(update.update_id), message.text)
    if reply:
        # The update is handled and stored; Telegram must not retry it for a lost reply.
        await outgoing.telegram_send(bot, chat_id, reply)
    return {"ok": True}


@router.get(
    "/integrations/whatsapp/webhook",
    response_class=PlainTextResponse,
    responses=problems(403, 404),
)
async def whatsapp_verify(
    request: Request,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=20)] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token", max_length=200)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=200)] = None,
) -> PlainTextResponse:
    """Meta's subscription check: the challenge back when the verify token matches."""
    settings: Settings = request.app.state.settings
    if not settings.whatsapp_verify_token:
        raise not_found("The WhatsApp bot")
    matches = token is not None and hmac.compare_digest(
        token.encode(), settings.whatsapp_verify_token.encode()
    )
    if mode != "subscribe" or not matches or not challenge:
        raise forbidden("The verify token does not match.")
    return PlainTextResponse(challenge)


def _text_messages(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(sender, message id, text) of each text message in a Cloud API notification."""
    out = []
    try:
        for entry in data.get("entry", []):
            for change in entry.get("changes", []):
                for msg in change.get("value", {}).get("messages", []) or []:
                    if msg.get("type") == "text" and msg.get("from") and msg.get("id"):
                        out.append(
                            (str(msg["from"])[:64], str(msg["id"]), str(msg["text"]["body"]))
                        )
    except (AttributeError, KeyError, TypeError):
        raise bad_request(
            "The body is not a WhatsApp Cloud API notification.", "webhook-malformed"
        ) from None
    return out


@router.post("/integrations/whatsapp/webhook", responses=problems(400, 401, 404, 413))
async def whatsapp_webhook(
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
) -> dict[str, bool]:
    """WhatsApp Cloud API notifications, signed with the app secret; answers each text."""
    settings: Settings = request.app.state.settings
    if not settings.whatsapp_app_secret:
        raise not_found("The WhatsApp bot")
    raw = await request.body()
    expected = hmac.new(settings.whatsapp_app_secret.encode(), raw, hashlib.sha256).hexdigest()
    if signature is None or not hmac.compare_digest(
        signature.encode(), f"sha256={expected}".encode()
    ):
        raise _unsigned("The X-Hub-Signature-256 signature is missing or wrong.")
    _, data = await _json_body(request)
    for sender, message_id, text in _text_messages(data):
        reply = await _answer(request, "whatsapp", sender, message_id, text)
        if reply:
            await outgoing.whatsapp_send(settings, sender, reply)
    return {"ok": True}
