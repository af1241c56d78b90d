"""The one way BacaQuest speaks a language: catalogues registered per language (one file
per language, found by scanning its package), Indonesian when a language is missing,
and the choice of language from an `Accept-Language` header.

Problems (app.core.problem_texts), share wording and the share pages (app.share.wording)
use it. The staff console keeps its own table for now (app.console.i18n)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Generic, TypeVar

DEFAULT_LANGUAGE = "id"

T = TypeVar("T")


class Catalogues(Generic[T]):
    """One domain's catalogues, one per language code ("id", "en", "jv", ...)."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self._by_language: dict[str, T] = {}

    def register(self, language: str, catalogue: T) -> T:
        self._by_language[language] = catalogue
        return catalogue

    def unregister(self, language: str) -> None:
        if language == DEFAULT_LANGUAGE:
            raise ValueError("the default language cannot be removed")
        self._by_language.pop(language, None)

    def languages(self) -> tuple[str, ...]:
        """The languages spoken, Indonesian first."""
        rest = sorted(lang for lang in self._by_language if lang != DEFAULT_LANGUAGE)
        return (DEFAULT_LANGUAGE, *rest) if DEFAULT_LANGUAGE in self._by_language else tuple(rest)

    def __contains__(self, language: object) -> bool:
        return language in self._by_language

    def get(self, language: str | None) -> T:
        """The catalogue of `language`, or the Indonesian one when it is not spoken."""
        found = self._by_language.get(language or DEFAULT_LANGUAGE)
        return found if found is not None else self._by_language[DEFAULT_LANGUAGE]

    def discover(self, package: str) -> None:
        """Import every module of `package`: each registers its own language (a module
        per language, so adding a language is adding one file)."""
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package}.{info.name}")


def negotiate(header: str | None, offered: Iterable[str]) -> str:
    """The offered language the `Accept-Language` header prefers (q-values honoured, a
    region ignored: "en-GB" asks for "en"); Indonesian when none of them is asked for."""
    spoken = list(offered)
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (header or "")[:512].split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if not 0 < q <= 1:
            continue
        if language == "*":
            language = DEFAULT_LANGUAGE
        # Earlier entries win ties, as the header lists its preferences in order.
        if language in spoken and q > best_q:
            best, best_q = language, q
    return best
