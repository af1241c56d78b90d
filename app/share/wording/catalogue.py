"""What a language must say for shares: the posts' sentences, the card's words and the
share pages' strings. Each language is one module of `app.share.wording.languages` that
registers a `Wording` subclass instance; nothing else changes to add a language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from app.core.i18n import Catalogues

if TYPE_CHECKING:
    from app.share.wording.context import GoalUnit, Period, ShareContext
    from app.share.wording.fitting import Fields

Unit = Literal["books", "pages", "minutes", "reviews", "points"]


def q(text: str) -> str:
    """A title in typographic quotes."""
    return f"“{text}”"


class Wording:
    """One language's share wording. Subclasses set the strings and word the sentences."""

    language: str
    locale: str  # og:locale of the landing page
    page: Mapping[str, str]  # the landing page and the 404/410 notices
    library_page: Mapping[str, str]  # a library's public page
    instructions: Mapping[str, str]  # per platform without a web intent: how to post

    # -- numbers and lists
    def number(self, n: int) -> str:
        return f"{n:,}"

    def quantity(self, n: int, unit: Unit) -> str:
        raise NotImplementedError

    def join_list(self, parts: list[str]) -> str:
        raise NotImplementedError

    def period(self, period: Period) -> str:
        raise NotImplementedError

    def reading_time(self, minutes: str) -> str:
        """ "960 menit membaca": a summary's time spent."""
        raise NotImplementedError

    # -- sentences
    def message(self, ctx: ShareContext, f: Fields) -> str:
        """The post's main sentence(s), without invitation, hashtags or link."""
        raise NotImplementedError

    def invitation(self, ctx: ShareContext, f: Fields, message: str) -> str:
        raise NotImplementedError

    def headline(self, ctx: ShareContext, f: Fields) -> str:
        """The landing page's title."""
        raise NotImplementedError

    # -- the card's words
    def card_kicker(self, ctx: ShareContext) -> str:
        raise NotImplementedError

    def card_author(self, author: str) -> str:
        raise NotImplementedError

    def card_progress(self, current: str, target: str) -> str:
        raise NotImplementedError

    def card_rank(self, rank: int) -> str:
        raise NotImplementedError

    # -- shared by every language
    def summary_parts(self, ctx: ShareContext) -> list[str]:
        parts = []
        if ctx.total_books:
            parts.append(self.quantity(ctx.total_books, "books"))
        if ctx.total_pages:
            parts.append(self.quantity(ctx.total_pages, "pages"))
        if ctx.total_minutes:
            parts.append(self.reading_time(self.quantity(ctx.total_minutes, "minutes")))
        return parts

    def goal(self, ctx: ShareContext) -> tuple[GoalUnit, int]:
        assert ctx.goal_unit is not None and ctx.progress_target is not None
        return ctx.goal_unit, ctx.progress_target


WORDINGS: Catalogues[Wording] = Catalogues("share")
