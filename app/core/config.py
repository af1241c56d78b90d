"""Settings, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production-this-is-only-for-development"  # noqa: S105
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def secret_is_weak(secret: str) -> bool:
    """Too short, or too little entropy: fewer than 128 bits by its own symbol frequencies."""
    if len(secret) < 32:
        return True
    counts = [secret.count(c) for c in set(secret)]
    bits_per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts)
    return len(counts) < 12 or bits_per_char * len(secret) < 128


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./bacaquest.db"
    secret_key: str = DEFAULT_SECRET
    jwt_issuer: str = "bacaquest"
    jwt_audience: str = "bacaquest-app"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    redis_url: str | None = None
    db_pool_size: int = Field(default=32, ge=2, le=200)
    # Requests a worker runs at once; the rest queue. On two cores a few requests in
    # flight finish sooner than many fighting over the interpreter lock.
    max_in_flight: int = Field(default=8, ge=1, le=200)
    demo_password: str = Field(default="bacaquest-demo", alias="BACAQUEST_DEMO_PASSWORD")
    idempotency_hours: int = Field(default=72, ge=72)
    cors_origins: list[str] = []
    # Chat bots (unset: the webhook answers 404). Telegram's secret_token of setWebhook;
    # WhatsApp Cloud API's app secret (signs webhooks), verify token, sender and token.
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_access_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    # An approved message template with one body parameter: WhatsApp lets a business
    # start a conversation (a streak reminder) only with one; unset: a plain text.
    whatsapp_reminder_template: str | None = Field(default=None, max_length=512)
    # Partners' webhooks and chat streak reminders are sent by a background thread of the
    # app (None: on, except in tests) or by `python -m app webhooks deliver` on its own.
    background_worker: bool | None = None
    webhook_timeout_seconds: float = Field(default=10, ge=1, le=30)
    # Accounts: attempts per window, shared by every worker (Redis or the database).
    signin_attempts_per_account: int = Field(default=10, ge=1, le=10_000)
    signin_attempts_per_address: int = Field(default=100, ge=1, le=100_000)
    signin_window_seconds: int = Field(default=900, ge=10, le=86_400)
    register_attempts_per_address: int = Field(default=20, ge=1, le=100_000)
    rate_limit_namespace: str = Field(default="bq", pattern=r"^[A-Za-z0-9:_-]{1,60}$")
    refresh_grace_seconds: int = Field(default=30, ge=0, le=300)
    reset_code_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # Safe defaults for a public deployment.
    allowed_hosts: list[str] = []
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=100_000_000)
    docs_enabled: bool = True
    # Share-page views are added up in memory and written every this many seconds
    # (0: each view at once); see app.services.share_pages.
    share_view_flush_seconds: float = Field(default=2.0, ge=0, le=60)
    # A streaming replica of DATABASE_URL for what may lag a little (analytics, boards,
    # public pages); a member's own points and logs are always read from the primary.
    database_replica_url: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # A default signing key outside development would let anyone mint tokens.
        weak = self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        if self.environment == "production" and weak:
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development"
            )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment != "production":
            return self
        if self.public_base_url == DEFAULT_PUBLIC_BASE_URL:
            raise ValueError(
                "PUBLIC_BASE_URL must be the public https address of the service in "
                "production: share links, post texts and cards are built from it"
            )
        if secret_is_weak(self.secret_key):
            raise ValueError(
                "SECRET_KEY is too predictable (repeated or few distinct characters); "
                "use e.g. secrets.token_urlsafe(48)"
            )
        return self

    @model_validator(mode="after")
    def _in_flight_within_pool(self) -> Settings:
        # Each admitted request may hold two connections (a share card is cached in a
        # transaction of its own), so the pool must cover twice the admitted requests.
        if self.max_in_flight * 2 > self.db_pool_size + 8:
            raise ValueError("MAX_IN_FLIGHT may be at most (DB_POOL_SIZE + 8) / 2")
        return self

    @field_validator("public_base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise ValueError("PUBLIC_BASE_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
