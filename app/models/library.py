"""Libraries: the tenants, with their time zone, hashtags and scoring settings."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Column
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.core.hashtags import dedupe, normalize_hashtag
from app.models.base import metadata  # noqa: F401  (naming convention first)
from app.models.types import HexColor, Name, ShortName, Slug, UtcDateTime


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _valid_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone (for example Asia/Jakarta)")
    return value


def _valid_hashtags(values: list[str]) -> list[str]:
    return dedupe([normalize_hashtag(v) for v in values])


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_valid_zone)]
Hashtag = Annotated[str, Field(max_length=100), AfterValidator(normalize_hashtag)]
HashtagList = Annotated[list[str], Field(max_length=10), AfterValidator(_valid_hashtags)]


def _store_link(value: str, hosts: tuple[str, ...], path: str, example: str) -> str:
    parts = urlsplit(value.strip())
    if (
        parts.scheme != "https"
        or (parts.hostname or "").lower() not in hosts
        or parts.username
        or parts.password
        or parts.port
        or not parts.path.startswith(path)
    ):
        raise ValueError(f"must be a link to the store's page, like {example}")
    return value.strip()


def _play_store(value: str) -> str:
    return _store_link(
        value,
        ("play.google.com",),
        "/store/apps/",
        "https://play.google.com/store/apps/details?id=id.bacaquest.app",
    )


def _app_store(value: str) -> str:
    return _store_link(
        value,
        ("apps.apple.com",),
        "/",
        "https://apps.apple.com/id/app/bacaquest/id1234567890",
    )


# Where the library's members get the app: the stores' own pages, over https only.
PlayStoreUrl = Annotated[str, Field(max_length=300), AfterValidator(_play_store)]
AppStoreUrl = Annotated[str, Field(max_length=300), AfterValidator(_app_store)]


class ScoringSettings(BaseModel):
    """A library's scoring rules; every field bounded so no setting breaks the engine."""

    model_config = ConfigDict(extra="forbid")

    points_per_page: int = Field(default=1, ge=0, le=100)
    minutes_per_point: int = Field(default=2, ge=1, le=60)
    finished_book_bonus: int = Field(default=20, ge=0, le=1000)
    streak_min_days: int = Field(default=3, ge=2, le=30)
    streak_bonus_per_day: int = Field(default=5, ge=0, le=100)
    streak_bonus_max: int = Field(default=50, ge=0, le=1000)
    challenge_multiplier: int = Field(default=2, ge=1, le=10)
    daily_cap_pages: int = Field(default=500, ge=1, le=5000)
    daily_cap_minutes: int = Field(default=600, ge=1, le=1440)
    daily_cap_points: int = Field(default=1000, ge=1, le=100000)
    max_pages_per_minute: int = Field(default=3, ge=1, le=20)
    backdate_days: int = Field(default=7, ge=0, le=30)


class ScoringUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points_per_page: int | None = Field(default=None, ge=0, le=100)
    minutes_per_point: int | None = Field(default=None, ge=1, le=60)
    finished_book_bonus: int | None = Field(default=None, ge=0, le=1000)
    streak_min_days: int | None = Field(default=None, ge=2, le=30)
    streak_bonus_per_day: int | None = Field(default=None, ge=0, le=100)
    streak_bonus_max: int | None = Field(default=None, ge=0, le=1000)
    challenge_multiplier: int | None = Field(default=None, ge=1, le=10)
    daily_cap_pages: int | None = Field(default=None, ge=1, le=5000)
    daily_cap_minutes: int | None = Field(default=None, ge=1, le=1440)
    daily_cap_points: int | None = Field(default=None, ge=1, le=100000)
    max_pages_per_minute: int | None = Field(default=None, ge=1, le=20)
    backdate_days: int | None = Field(default=None, ge=0, le=30)


class Library(SQLModel, table=True):
    id: int | None = SQLField(default=None, primary_key=True)
    slug: str = SQLField(max_length=40, unique=True)
    name: str = SQLField(max_length=80)
    city: str = SQLField(max_length=40)
    timezone: str = SQLField(max_length=64)
    hashtags: list[str] = SQLField(default_factory=list, sa_column=Column(JSON, nullable=False))
    scoring: dict[str, Any] = SQLField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    primary_color: str = SQLField(default="#1E5AA8", max_length=7)
    accent_color: str = SQLField(default="#F2A900", max_length=7)
    created_at: datetime = SQLField(sa_type=UtcDateTime, nullable=False)
    # Moved by database triggers on every write to the library's badges or challenges
    # (migration 0006): processes keep the catalogue in memory until it moves.
    catalogue_version: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    # Staff and administrators are on the public boards only when the library says so.
    staff_on_boards: bool = SQLField(default=False, sa_column_kwargs={"server_default": "0"})
    # The app's pages in the stores, linked from the library's public pages.
    play_store_url: str | None = SQLField(default=None, max_length=300)
    app_store_url: str | None = SQLField(default=None, max_length=300)

    def scoring_settings(self) -> ScoringSettings:
        return ScoringSettings(**self.scoring)


class LibraryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    city: ShortName
    timezone: TimeZone
    hashtags: HashtagList = []
    scoring: ScoringSettings = ScoringSettings()
    primary_color: HexColor = "#1E5AA8"
    accent_color: HexColor = "#F2A900"
    play_store_url: PlayStoreUrl | None = None
    app_store_url: AppStoreUrl | None = None


class LibraryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    city: ShortName | None = None
    timezone: TimeZone | None = None
    hashtags: HashtagList | None = None
    scoring: ScoringUpdate | None = None
    primary_color: HexColor | None = None
    accent_color: HexColor | None = None
    staff_on_boards: bool | None = None
    # null takes a link away
    play_store_url: PlayStoreUrl | None = None
    app_store_url: AppStoreUrl | None = None


class ScoringInForce(ScoringSettings):
    """The scoring rules a library applies now, every one of them always sent."""


class LibraryPublic(BaseModel):
    slug: str
    name: str
    city: str
    timezone: str
    hashtags: list[str]
    scoring: ScoringInForce
    primary_color: str
    accent_color: str
    staff_on_boards: bool = Field(
        default=False, description="Whether staff and administrators appear on the boards."
    )
    play_store_url: str | None = Field(
        default=None, description="The app's Google Play page, linked from the public pages."
    )
    app_store_url: str | None = Field(
        default=None, description="The app's App Store page, linked from the public pages."
    )

    @classmethod
    def of(cls, lib: Library) -> LibraryPublic:
        return cls(
            slug=lib.slug,
            name=lib.name,
            city=lib.city,
            timezone=lib.timezone,
            hashtags=list(lib.hashtags),
            scoring=ScoringInForce(**lib.scoring_settings().model_dump()),
            primary_color=lib.primary_color,
            accent_color=lib.accent_color,
            staff_on_boards=lib.staff_on_boards,
            play_store_url=lib.play_store_url,
            app_store_url=lib.app_store_url,
        )
