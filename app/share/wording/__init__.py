"""Share wording: the share's value object (context), its hashtags, fitting text into a
platform's limit, and one catalogue per language (languages/id.py, languages/en.py, ...).
Adding a language is adding one module to `languages/` that registers its `Wording`."""

from app.models.share import SubjectType
from app.share.wording.catalogue import WORDINGS, Wording
from app.share.wording.compose import (
    LANDING_DESCRIPTION_CHARS,
    LANDING_TITLE_CHARS,
    CardTexts,
    card_texts,
    compose_message,
    format_number,
    landing_texts,
    quantity,
)
from app.share.wording.context import (
    APP_NAME,
    ELLIPSIS,
    GENERAL_HASHTAGS,
    LANGUAGES,
    MAX_COUNT,
    SUBJECT_TYPES,
    GoalUnit,
    Language,
    Period,
    ShareContext,
    clean_text,
    progress_percent,
)
from app.share.wording.fitting import fit_text, longest_field, shorten
from app.share.wording.hashtags import (
    clean_hashtag,
    dedupe_hashtags,
    share_hashtags,
    topic_hashtag,
)
from app.share.wording.languages.en import ordinal as ordinal_en

WORDINGS.discover("app.share.wording.languages")

__all__ = [
    "APP_NAME",
    "ELLIPSIS",
    "GENERAL_HASHTAGS",
    "LANDING_DESCRIPTION_CHARS",
    "LANDING_TITLE_CHARS",
    "LANGUAGES",
    "MAX_COUNT",
    "SUBJECT_TYPES",
    "WORDINGS",
    "CardTexts",
    "GoalUnit",
    "Language",
    "Period",
    "ShareContext",
    "SubjectType",
    "Wording",
    "card_texts",
    "clean_hashtag",
    "clean_text",
    "compose_message",
    "dedupe_hashtags",
    "fit_text",
    "format_number",
    "landing_texts",
    "longest_field",
    "ordinal_en",
    "progress_percent",
    "quantity",
    "share_hashtags",
    "shorten",
    "topic_hashtag",
]
