"""Share texts: the ShareContext of one achievement and the words written about it (id/en)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from app.core.hashtags import hashtag_key, normalize_hashtag

SubjectType = Literal["badge", "reading_log", "challenge", "leaderboard_rank", "monthly_summary"]
Language = Literal["id", "en"]
Period = Literal["week", "month", "all_time"]
GoalUnit = Literal["books", "pages", "minutes", "reviews"]

SUBJECT_TYPES: tuple[str, ...] = get_args(SubjectType)
LANGUAGES: tuple[str, ...] = get_args(Language)

GENERAL_HASHTAGS: tuple[str, ...] = ("#LiterasiDigital", "#BukuUntukSemua")
APP_NAME = "BacaQuest"
ELLIPSIS = "…"

# Counts above this are not a real member's reading; refusing them keeps every text bounded.
MAX_COUNT = 10**9
_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ZWJ = "\u200d"


def clean_text(value: str) -> str:
    """One tidy line: NFC, no control/format/unassigned characters, single spaces.

    Kept: letters of every script, emoji and their joiners (U+200D) and variation
    selectors. Dropped: bidi overrides and other format characters (they can spoof
    what a post says), lone surrogates, private-use characters.
    """
    text = unicodedata.normalize("NFC", value)
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch != _ZWJ):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


@dataclass(frozen=True, slots=True)
class ShareContext:
    """Everything one share needs, flat and already safe to publish.

    ``display_name`` is the name the caller decided to show: for a child it must
    already be the nickname. Nothing else about the person (full name, school,
    birth year) has a field here, so it can't leak into a post, card or page.
    ``completed`` means "book finished" for a reading log and "challenge
    completed" for a challenge.
    """

    subject_type: SubjectType
    display_name: str
    library_name: str
    language: Language = "id"
    library_hashtags: tuple[str, ...] = ()
    challenge_hashtag: str | None = None
    challenge_title: str | None = None
    badge_name: str | None = None
    badge_icon: str | None = None
    book_title: str | None = None
    book_author: str | None = None
    pages: int | None = None
    minutes: int | None = None
    points: int | None = None
    progress_current: int | None = None
    progress_target: int | None = None
    goal_unit: GoalUnit | None = None
    completed: bool = False
    rank: int | None = None
    period: Period | None = None
    month_label: str | None = None
    total_books: int | None = None
    total_pages: int | None = None
    total_minutes: int | None = None
    primary_color: str = "#1E5AA8"
    accent_color: str = "#F2A900"

    def __post_init__(self) -> None:
        if self.subject_type not in SUBJECT_TYPES:
            raise ValueError(f"subject_type must be one of {', '.join(SUBJECT_TYPES)}")
        if self.language not in LANGUAGES:
            raise ValueError("language must be 'id' or 'en'")
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                cleaned = clean_text(value)
                object.__setattr__(self, name, cleaned or None)
        for name in ("display_name", "library_name"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be blank")
        object.__setattr__(self, "library_hashtags", tuple(self.library_hashtags))
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and not 0 <= value <= MAX_COUNT:
                raise ValueError(f"{name} must be between 0 and {MAX_COUNT}")
        for name in ("primary_color", "accent_color"):
            if not _HEX_COLOR.match(getattr(self, name)):
                raise ValueError(f"{name} must be a colour like #1E5AA8")
        if self.goal_unit is not None and self.goal_unit not in get_args(GoalUnit):
            raise ValueError("goal_unit must be books, pages, minutes or reviews")
        if self.period is not None and self.period not in get_args(Period):
            raise ValueError("period must be week, month or all_time")
        self._check_subject()

    def _check_subject(self) -> None:
        required: dict[str, tuple[str, ...]] = {
            "badge": ("badge_name",),
            "reading_log": ("book_title",),
            "challenge": ("challenge_title",),
            "leaderboard_rank": ("rank", "period"),
            "monthly_summary": ("month_label",),
        }
        needs = list(required[self.subject_type])
        if self.subject_type == "challenge" and not self.completed:
            needs += ["progress_current", "progress_target", "goal_unit"]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.subject_type} share needs {', '.join(missing)}")
        if self.rank is not None and self.rank < 1:
            raise ValueError("rank starts at 1")
        if self.progress_target is not None and self.progress_target < 1:
            raise ValueError("progress_target must be at least 1")


_TEXT_FIELDS: tuple[str, ...] = (
    "display_name",
    "library_name",
    "challenge_title",
    "badge_name",
    "book_title",
    "book_author",
    "month_label",
    "badge_icon",
)
_COUNT_FIELDS: tuple[str, ...] = (
    "pages",
    "minutes",
    "points",
    "progress_current",
    "progress_target",
    "rank",
    "total_books",
    "total_pages",
    "total_minutes",
)


# --------------------------------------------------------------------------- hashtags


def clean_hashtag(raw: str) -> str | None:
    """The tag as platforms read it ('#' + letters/digits/_), or None when unusable.

    Lenient where the library model is strict: spaces and punctuation are
    removed ("Baca Yuk!" -> "#BacaYuk") so a share never fails on a tag.
    """
    body = unicodedata.normalize("NFC", raw.strip()).lstrip("#\uff03")
    kept = "".join(
        ch
        for ch in body
        if ch == "_" or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"
    )
    try:
        return normalize_hashtag("#" + kept)
    except ValueError:
        return None


def dedupe_hashtags(tags: list[str]) -> list[str]:
    """Clean, drop the unusable, keep the first of tags equal when case is ignored."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in tags:
        tag = clean_hashtag(raw)
        if tag is None:
            continue
        key = hashtag_key(tag)
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return out


def share_hashtags(ctx: ShareContext) -> list[str]:
    """All the share's hashtags, most important first (dropped from the end when space is short).

    Order: the library's main tag, the challenge's, the general ones, then the
    library's other tags.
    """
    library = list(ctx.library_hashtags)
    ordered = library[:1]
    if ctx.challenge_hashtag:
        ordered.append(ctx.challenge_hashtag)
    ordered += list(GENERAL_HASHTAGS) + library[1:]
    return dedupe_hashtags(ordered)


def topic_hashtag(ctx: ShareContext) -> str | None:
    """The one tag for platforms that take a single topic (Threads): the challenge's first."""
    tags = dedupe_hashtags([ctx.challenge_hashtag or "", *share_hashtags(ctx)])
    return tags[0] if tags else None


# --------------------------------------------------------------------------- shortening


def shorten(text: str, max_chars: int) -> str:
    """``text`` in at most ``max_chars`` characters, ending in an ellipsis when cut.

    Cuts at a word boundary when one is near, never inside an emoji sequence or
    before a combining mark.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return text
    cut = max_chars - 1
    space = text.rfind(" ", 0, cut + 1)
    if space >= max(1, int(cut * 0.6)):
        cut = space
    while cut > 0 and (_joins_next(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    # Flags are pairs of regional indicators: never keep half of one.
    indicators = 0
    while cut - indicators > 0 and _is_regional_indicator(text[cut - indicators - 1]):
        indicators += 1
    cut -= indicators % 2
    head = text[:cut].rstrip(" ,.;:-\u2013\u2014(\u201c\"'")
    return head + ELLIPSIS


def _joins_next(ch: str) -> bool:
    # A mark, joiner, variation selector or skin tone belongs to the character before it.
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
    )


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


_MARKERS = "#\uff03@\uff20"  # '#' and '@', ASCII and full-width
_NOT_WORD = "\ufe0e\ufe0f\u20e3"  # variation selectors and keycap: "#️⃣" is an emoji


def _is_word(ch: str) -> bool:
    return ch == "_" or (unicodedata.category(ch)[0] in "LMN" and ch not in _NOT_WORD)


def _defuse(text: str) -> str:
    """``text`` with no hashtag or @mention of its own.

    A title or name must not add tags (they would repeat ours or break
    Instagram's five) nor notify a stranger: a run of '#'/'@' before a word
    character goes; "C#" and "Rp 5.000 @ 2" stay.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] not in _MARKERS:
            out.append(text[i])
            i += 1
            continue
        j = i
        while j < len(text) and text[j] in _MARKERS:
            j += 1
        if j == len(text) or not _is_word(text[j]):
            out.append(text[i:j])
        i = j
    return "".join(out)


def fit_text(
    render: Callable[[int | None], str],
    measure: Callable[[str], int],
    limit: int,
    *,
    min_chars: int = 1,
    longest: int = 0,
) -> str | None:
    """The richest ``render(cap)`` whose measure is within ``limit``, or None.

    ``render(cap)`` must give the text with every variable field shortened to at
    most ``cap`` characters (None: untouched). Binary search on the cap shortens
    the longest fields first and only as much as needed. No field is kept
    longer than ``limit`` characters: it could not fit whole anyway.
    """
    lo = min_chars
    best = render(lo)
    if measure(best) > limit:
        return None
    widest = None if longest <= limit else limit
    text = render(widest)
    if measure(text) <= limit:
        return text
    hi = max(min(longest, limit), lo)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = render(mid)
        if measure(candidate) <= limit:
            lo, best = mid, candidate
        else:
            hi = mid - 1
    return best


# --------------------------------------------------------------------------- wording


class _Fields:
    """The context's words, each shortened to the same cap and defused."""

    def __init__(self, ctx: ShareContext, cap: int | None, *, defuse: bool = True) -> None:
        self._ctx = ctx
        self._cap = cap
        self._defuse = defuse

    def __call__(self, name: str) -> str:
        value = getattr(self._ctx, name) or ""
        if self._defuse:
            value = _defuse(value)
        if self._cap is not None and value:
            value = shorten(value, self._cap)
        return value


def longest_field(ctx: ShareContext) -> int:
    """The length of the longest name or title: the most any of them can need."""
    return max(len(getattr(ctx, n) or "") for n in _TEXT_FIELDS if n != "badge_icon")


def format_number(n: int, language: Language) -> str:
    """1.250 in Indonesian, 1,250 in English."""
    text = f"{n:,}"
    return text.replace(",", ".") if language == "id" else text


def quantity(n: int, unit: GoalUnit | Literal["points"], language: Language) -> str:
    """ "3 buku" / "3 books", "1 page", "+50 poin" without the plus."""
    num = format_number(n, language)
    if language == "id":
        return f"{num} {_UNITS_ID[unit]}"
    singular, plural = _UNITS_EN[unit]
    return f"{num} {singular if n == 1 else plural}"


_UNITS_ID = {
    "books": "buku",
    "pages": "halaman",
    "minutes": "menit",
    "reviews": "ulasan",
    "points": "poin",
}
_UNITS_EN = {
    "books": ("book", "books"),
    "pages": ("page", "pages"),
    "minutes": ("minute", "minutes"),
    "reviews": ("review", "reviews"),
    "points": ("point", "points"),
}


def ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join_list(parts: list[str], language: Language) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} {'dan' if language == 'id' else 'and'} {parts[1]}"
    # A series: "a, b, dan c" (as EYD writes it); "a, b and c".
    conj = ", dan " if language == "id" else " and "
    return ", ".join(parts[:-1]) + conj + parts[-1]


def progress_percent(ctx: ShareContext) -> int:
    if not ctx.progress_target:
        return 100 if ctx.completed else 0
    return min(100, (ctx.progress_current or 0) * 100 // ctx.progress_target)


_PERIOD_ID = {"week": "minggu ini", "month": "bulan ini", "all_time": "sepanjang masa"}
_PERIOD_EN = {"week": "this week", "month": "this month", "all_time": "of all time"}


def _q(text: str) -> str:
    return f"“{text}”"


def _challenge_id(title: str) -> str:
    # "tantangan “Tantangan Baca November”" says it twice.
    return _q(title) if title.casefold().startswith("tantangan") else f"tantangan {_q(title)}"


def _challenge_en(title: str) -> str:
    # "the “November Reading Challenge” challenge" says it twice.
    folded = title.casefold()
    named = "challenge" in folded or "tantangan" in folded
    return _q(title) if named else f"the {_q(title)} challenge"


def _message_id(ctx: ShareContext, f: _Fields) -> str:
    name, library = f("display_name"), f("library_name")
    challenge = f("challenge_title")
    lang: Language = "id"
    if ctx.subject_type == "badge":
        text = f"{name} baru saja meraih lencana {_q(f('badge_name'))} di {library}"
        if challenge:
            text += f" lewat {_challenge_id(challenge)}"
        if ctx.points:
            text += f" dan dapat bonus {quantity(ctx.points, 'points', lang)}"
        return text + "! 🏅"
    if ctx.subject_type == "reading_log":
        book = _q(f("book_title"))
        if f("book_author"):
            book += f" karya {f('book_author')}"
        details = []
        if ctx.pages:
            details.append(quantity(ctx.pages, "pages", lang))
        if ctx.minutes and not ctx.pages:
            details.append(quantity(ctx.minutes, "minutes", lang))
        if ctx.points:
            details.append(f"+{quantity(ctx.points, 'points', lang)}")
        if ctx.completed:
            text = f"{name} selesai membaca {book}"
            if details:
                text += " — " + ", ".join(details)
            text += "! 📚"
        else:
            text = f"{name} baru saja membaca {book}"
            if details:
                text += " — " + ", ".join(details)
            text += "! 📖"
        if challenge:
            text += f" Bagian dari {_challenge_id(challenge)}."
        return text
    if ctx.subject_type == "challenge":
        if ctx.completed:
            text = f"{name} berhasil menuntaskan {_challenge_id(challenge)} di {library}"
            if ctx.progress_target and ctx.goal_unit:
                done = {
                    "books": "buku selesai dibaca",
                    "pages": "halaman dibaca",
                    "minutes": "menit membaca",
                    "reviews": "ulasan disetujui",
                }[ctx.goal_unit]
                text += f": {format_number(ctx.progress_target, lang)} {done}"
            text += "! 🎉"
            if ctx.points:
                text += f" Bonus {quantity(ctx.points, 'points', lang)}!"
            return text
        assert ctx.goal_unit is not None and ctx.progress_target is not None
        current = format_number(ctx.progress_current or 0, lang)
        target = quantity(ctx.progress_target, ctx.goal_unit, lang)
        verb = "menulis" if ctx.goal_unit == "reviews" else "membaca"
        return (
            f"{name} sudah {verb} {current} dari {target} dalam {_challenge_id(challenge)} "
            f"di {library} ({progress_percent(ctx)}%). Terus semangat! 💪"
        )
    if ctx.subject_type == "leaderboard_rank":
        board = _challenge_id(challenge) if challenge else library
        assert ctx.period is not None
        period = _PERIOD_ID[ctx.period]
        text = f"{name} menempati posisi ke-{ctx.rank} di papan peringkat {board} {period}"
        if ctx.points:
            text += f" dengan {quantity(ctx.points, 'points', lang)}"
        return text + "! 🏆"
    # monthly_summary
    parts = _summary_parts(ctx, lang)
    month = f("month_label")
    if not parts:
        return f"{name} siap memulai petualangan membaca di bulan {month} bersama {library}! 📖"
    return f"Rekap baca {name} bulan {month}: {_join_list(parts, lang)}! 📖"


def _message_en(ctx: ShareContext, f: _Fields) -> str:
    name, library = f("display_name"), f("library_name")
    challenge = f("challenge_title")
    lang: Language = "en"
    if ctx.subject_type == "badge":
        text = f"{name} just earned the {_q(f('badge_name'))} badge at {library}"
        if challenge:
            text += f" in {_challenge_en(challenge)}"
        if ctx.points:
            text += f", with a bonus of {quantity(ctx.points, 'points', lang)}"
        return text + "! 🏅"
    if ctx.subject_type == "reading_log":
        book = _q(f("book_title"))
        if f("book_author"):
            book += f" by {f('book_author')}"
        points = f"+{quantity(ctx.points, 'points', lang)}" if ctx.points else ""
        if ctx.completed:
            details = [quantity(ctx.pages, "pages", lang)] if ctx.pages else []
            if ctx.minutes and not ctx.pages:
                details.append(quantity(ctx.minutes, "minutes", lang))
            if points:
                details.append(points)
            text = f"{name} just finished {book}"
            if details:
                text += " — " + ", ".join(details)
            text += "! 📚"
        else:
            if ctx.pages:
                text = f"{name} just read {quantity(ctx.pages, 'pages', lang)} of {book}"
            elif ctx.minutes:
                text = f"{name} just spent {quantity(ctx.minutes, 'minutes', lang)} reading {book}"
            else:
                text = f"{name} is reading {book}"
            if points:
                text += f" ({points})"
            text += "! 📖"
        if challenge:
            text += f" Part of {_challenge_en(challenge)}."
        return text
    if ctx.subject_type == "challenge":
        if ctx.completed:
            text = f"{name} completed {_challenge_en(challenge)} at {library}"
            if ctx.progress_target and ctx.goal_unit:
                read = {
                    "books": "read",
                    "pages": "read",
                    "minutes": "of reading",
                    "reviews": "approved",
                }[ctx.goal_unit]
                text += f" — {quantity(ctx.progress_target, ctx.goal_unit, lang)} {read}"
            text += "! 🎉"
            if ctx.points:
                text += f" Bonus: {quantity(ctx.points, 'points', lang)}!"
            return text
        assert ctx.goal_unit is not None and ctx.progress_target is not None
        current = format_number(ctx.progress_current or 0, lang)
        target = quantity(ctx.progress_target, ctx.goal_unit, lang)
        verb = {"minutes": "has read for", "reviews": "has written"}.get(ctx.goal_unit, "has read")
        return (
            f"{name} {verb} {current} of {target} in {_challenge_en(challenge)} "
            f"at {library} ({progress_percent(ctx)}%). Keep going! 💪"
        )
    if ctx.subject_type == "leaderboard_rank":
        board = (
            f"the {_q(challenge)} challenge leaderboard"
            if challenge
            else (f"the {library} leaderboard")
        )
        assert ctx.period is not None and ctx.rank is not None
        text = f"{name} is {ordinal_en(ctx.rank)} on {board} {_PERIOD_EN[ctx.period]}"
        if ctx.points:
            text += f" with {quantity(ctx.points, 'points', lang)}"
        return text + "! 🏆"
    parts = _summary_parts(ctx, lang)
    month = f("month_label")
    if not parts:
        return f"{name} is ready to start a reading adventure with {library} in {month}! 📖"
    return f"{name}'s reading in {month}: {_join_list(parts, lang)}! 📖"


def _summary_parts(ctx: ShareContext, language: Language) -> list[str]:
    parts = []
    if ctx.total_books:
        parts.append(quantity(ctx.total_books, "books", language))
    if ctx.total_pages:
        parts.append(quantity(ctx.total_pages, "pages", language))
    if ctx.total_minutes:
        unit = quantity(ctx.total_minutes, "minutes", language)
        parts.append(f"{unit} membaca" if language == "id" else f"{unit} of reading")
    return parts


def _invitation(ctx: ShareContext, f: _Fields, message: str) -> str:
    library, challenge = f("library_name"), f("challenge_title")
    # Name the challenge and the library only if the message didn't already.
    named_challenge = bool(challenge) and ctx.subject_type != "monthly_summary"
    at = "" if library in message else library
    if ctx.language == "id":
        where = f" di {at}" if at else ""
        if named_challenge:
            return f"Yuk, ikut tantangannya juga{where} lewat aplikasi {APP_NAME}!"
        if challenge:
            return f"Yuk, ikut {_challenge_id(challenge)}{where} lewat aplikasi {APP_NAME}!"
        return f"Yuk, ikut membaca bareng {at or 'kami'} di aplikasi {APP_NAME}!"
    where = f" at {at}" if at else ""
    if named_challenge:
        return f"Join the challenge too{where} on the {APP_NAME} app!"
    if challenge:
        return f"Join {_challenge_en(challenge)}{where} on the {APP_NAME} app!"
    return f"Come read with {at or 'us'} on the {APP_NAME} app!"


def compose_message(
    ctx: ShareContext, *, max_field_chars: int | None = None, invitation: bool = True
) -> str:
    """The post's words without hashtags or link, in the context's language.

    Every variable field (names, titles) is cut to ``max_field_chars`` with an
    ellipsis when given; ``invitation`` adds the call to join the library.
    """
    f = _Fields(ctx, max_field_chars)
    text = _message_id(ctx, f) if ctx.language == "id" else _message_en(ctx, f)
    if invitation:
        text += " " + _invitation(ctx, f, text)
    return text


# --------------------------------------------------------------------------- landing and cards

LANDING_TITLE_CHARS = 70
LANDING_DESCRIPTION_CHARS = 200


def _headline(ctx: ShareContext, f: _Fields) -> str:
    name = f("display_name")
    id_ = ctx.language == "id"
    match ctx.subject_type:
        case "badge":
            return (
                f"{name} meraih lencana {_q(f('badge_name'))}"
                if id_
                else f"{name} earned the {_q(f('badge_name'))} badge"
            )
        case "reading_log":
            if ctx.completed:
                return (
                    f"{name} selesai membaca {_q(f('book_title'))}"
                    if id_
                    else f"{name} finished {_q(f('book_title'))}"
                )
            return (
                f"{name} sedang membaca {_q(f('book_title'))}"
                if id_
                else f"{name} is reading {_q(f('book_title'))}"
            )
        case "challenge":
            title = f("challenge_title")
            if ctx.completed:
                return (
                    f"{name} menuntaskan {_challenge_id(title)}"
                    if id_
                    else f"{name} completed {_challenge_en(title)}"
                )
            return (
                f"{name}: {progress_percent(ctx)}% {_challenge_id(title)}"
                if id_
                else f"{name}: {progress_percent(ctx)}% of {_challenge_en(title)}"
            )
        case "leaderboard_rank":
            return (
                f"{name} peringkat ke-{ctx.rank} di {f('library_name')}"
                if id_
                else f"{name} is {ordinal_en(ctx.rank or 1)} at {f('library_name')}"
            )
        case _:
            return (
                f"Rekap baca {name} — {f('month_label')}"
                if id_
                else f"{name}'s reading — {f('month_label')}"
            )


def landing_texts(ctx: ShareContext) -> tuple[str, str]:
    """(og:title, og:description) for the landing page, within 70 and 200 characters."""
    longest = longest_field(ctx)
    title = fit_text(
        lambda cap: _headline(ctx, _Fields(ctx, cap, defuse=False)),
        len,
        LANDING_TITLE_CHARS,
        longest=longest,
    )
    # The page has its own invitation: the description keeps it only while names stay whole.
    description = fit_text(
        lambda cap: compose_message(ctx, max_field_chars=cap, invitation=True),
        len,
        LANDING_DESCRIPTION_CHARS,
        min_chars=max(1, longest),
        longest=longest,
    ) or fit_text(
        lambda cap: compose_message(ctx, max_field_chars=cap, invitation=False),
        len,
        LANDING_DESCRIPTION_CHARS,
        longest=longest,
    )
    if description is None:
        description = shorten(
            compose_message(ctx, max_field_chars=1, invitation=False), LANDING_DESCRIPTION_CHARS
        )
    if title is None:
        title = shorten(_headline(ctx, _Fields(ctx, 1, defuse=False)), LANDING_TITLE_CHARS)
    return title, description


@dataclass(frozen=True, slots=True)
class CardTexts:
    """The words on an image card; the card shrinks or wraps them, never the other way."""

    kicker: str
    headline: str
    subline: str | None
    name: str
    figure: str | None
    hashtags: tuple[str, ...]  # the one to show first: the topic tag, then the others
    library: str
    progress: float | None = None  # 0..1 for a challenge in progress
    footer: str = APP_NAME


def card_texts(ctx: ShareContext) -> CardTexts:
    """What each card says: a short kicker, the big headline, the name and the figure."""
    lang = ctx.language
    id_ = lang == "id"
    f = _Fields(ctx, None, defuse=False)
    subline: str | None = None
    figure: str | None = None
    progress: float | None = None
    points = f"+{quantity(ctx.points, 'points', lang)}" if ctx.points else None
    match ctx.subject_type:
        case "badge":
            kicker = "Lencana baru!" if id_ else "New badge!"
            headline = f("badge_name")
            figure = points
            subline = f("challenge_title") or None
        case "reading_log":
            kicker = (
                ("Selesai dibaca!" if id_ else "Finished reading!")
                if ctx.completed
                else ("Sedang dibaca" if id_ else "Now reading")
            )
            headline = f("book_title")
            author = f("book_author")
            subline = (f"karya {author}" if id_ else f"by {author}") if author else None
            if ctx.pages:
                figure = quantity(ctx.pages, "pages", lang)
            elif ctx.minutes:
                figure = quantity(ctx.minutes, "minutes", lang)
            else:
                figure = points
        case "challenge":
            headline = f("challenge_title")
            if ctx.completed:
                kicker = "Tantangan tuntas!" if id_ else "Challenge complete!"
                if ctx.progress_target and ctx.goal_unit:
                    figure = quantity(ctx.progress_target, ctx.goal_unit, lang)
                else:
                    figure = points
                progress = 1.0
            else:
                kicker = "Progres tantangan" if id_ else "Challenge progress"
                assert ctx.goal_unit is not None and ctx.progress_target is not None
                current = format_number(ctx.progress_current or 0, lang)
                target = quantity(ctx.progress_target, ctx.goal_unit, lang)
                figure = f"{current} dari {target}" if id_ else f"{current} of {target}"
                progress = progress_percent(ctx) / 100
        case "leaderboard_rank":
            assert ctx.period is not None
            period = _PERIOD_ID[ctx.period] if id_ else _PERIOD_EN[ctx.period]
            kicker = f"Papan peringkat {period}" if id_ else f"Leaderboard {period}"
            headline = f("challenge_title") or f("library_name")
            figure = f"Peringkat #{ctx.rank}" if id_ else f"Rank #{ctx.rank}"
            subline = quantity(ctx.points, "points", lang) if ctx.points else None
        case _:
            kicker = "Rekap membaca" if id_ else "Reading recap"
            headline = f("month_label")
            parts = _summary_parts(ctx, lang)
            figure = " · ".join(parts) if parts else None
    topic = topic_hashtag(ctx)
    return CardTexts(
        kicker=kicker,
        headline=headline,
        subline=subline,
        name=f("display_name"),
        figure=figure,
        hashtags=tuple(dedupe_hashtags([topic or "", *share_hashtags(ctx)])),
        library=f("library_name"),
        progress=progress,
    )
