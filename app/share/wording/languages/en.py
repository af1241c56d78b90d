"""Share wording in English."""

from __future__ import annotations

from app.share.wording.catalogue import WORDINGS, Unit, Wording, q
from app.share.wording.context import APP_NAME, Period, ShareContext, progress_percent
from app.share.wording.fitting import Fields

_UNITS = {
    "books": ("book", "books"),
    "pages": ("page", "pages"),
    "minutes": ("minute", "minutes"),
    "reviews": ("review", "reviews"),
    "points": ("point", "points"),
}
_PERIODS = {"week": "this week", "month": "this month", "all_time": "of all time"}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def challenge_named(title: str) -> str:
    # "the “November Reading Challenge” challenge" says it twice.
    folded = title.casefold()
    named = "challenge" in folded or "tantangan" in folded
    return q(title) if named else f"the {q(title)} challenge"


class English(Wording):
    language = "en"
    locale = "en_US"
    page = {
        "invite_title": "Want to join in?",
        "invite": (
            "Download the {app} app, join {library}, and earn points and badges for every "
            "book you read."
        ),
        "join_challenge": "Join the challenge",
        "join": "Join now",
        "download": "Get the {app} app",
        "play_store": "Get it on Google Play",
        "app_store": "Download on the App Store",
        "invite_code": "Invitation code when you sign up:",
        "image_alt": "Achievement card: {title}",
        "gone_title": "This share was removed",
        "gone_body": (
            "Its owner removed this link. Reading adventures are still open to everyone, so "
            "start reading with your city library!"
        ),
        "not_found_title": "Page not found",
        "not_found_body": (
            "We don't know this link. Maybe a typo? Start reading with your city library on {app}."
        ),
        "home": "Go to {app}",
    }
    library_page = {
        "title": "Read with {library}",
        "description": (
            "Log your reading in the {app} app, earn points and badges, and join the "
            "library's monthly reading challenges."
        ),
        "challenges": "This month's challenges",
        "when": "{start} to {end}",
        "readers": "Top readers this month",
        "points": "{points} points",
        "testimonials": "What readers say",
        "signup_title": "Sign up and start reading",
        "signup": (
            "Download the {app} app, choose {library} when you sign up, and log your first "
            "book today."
        ),
        "anonymous": "Reader",
    }
    instructions = {
        "instagram": (
            "Save the story image and share it to your Instagram Story or feed. Paste this text "
            "as the caption, and add the link with the Link sticker in your Story."
        ),
        "tiktok": (
            "Save the story image, post it as a photo on TikTok, and paste this text as the "
            "caption."
        ),
    }

    def quantity(self, n: int, unit: Unit) -> str:
        singular, plural = _UNITS[unit]
        return f"{self.number(n)} {singular if n == 1 else plural}"

    def join_list(self, parts: list[str]) -> str:
        if len(parts) <= 1:
            return "".join(parts)
        if len(parts) == 2:
            return f"{parts[0]} and {parts[1]}"
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    def period(self, period: Period) -> str:
        return _PERIODS[period]

    def reading_time(self, minutes: str) -> str:
        return f"{minutes} of reading"

    def message(self, ctx: ShareContext, f: Fields) -> str:
        name, library = f("display_name"), f("library_name")
        challenge = f("challenge_title")
        if ctx.subject_type == "badge":
            text = f"{name} just earned the {q(f('badge_name'))} badge at {library}"
            if challenge:
                text += f" in {challenge_named(challenge)}"
            if ctx.points:
                text += f", with a bonus of {self.quantity(ctx.points, 'points')}"
            return text + "! 🏅"
        if ctx.subject_type == "reading_log":
            book = q(f("book_title"))
            if f("book_author"):
                book += f" by {f('book_author')}"
            points = f"+{self.quantity(ctx.points, 'points')}" if ctx.points else ""
            if ctx.completed:
                details = [self.quantity(ctx.pages, "pages")] if ctx.pages else []
                if ctx.minutes and not ctx.pages:
                    details.append(self.quantity(ctx.minutes, "minutes"))
                if points:
                    details.append(points)
                text = f"{name} just finished {book}"
                if details:
                    text += " — " + ", ".join(details)
                text += "! 📚"
            else:
                if ctx.pages:
                    text = f"{name} just read {self.quantity(ctx.pages, 'pages')} of {book}"
                elif ctx.minutes:
                    spent = self.quantity(ctx.minutes, "minutes")
                    text = f"{name} just spent {spent} reading {book}"
                else:
                    text = f"{name} is reading {book}"
                if points:
                    text += f" ({points})"
                text += "! 📖"
            if challenge:
                text += f" Part of {challenge_named(challenge)}."
            return text
        if ctx.subject_type == "challenge":
            if ctx.completed:
                text = f"{name} completed {challenge_named(challenge)} at {library}"
                if ctx.progress_target and ctx.goal_unit:
                    read = {
                        "books": "read",
                        "pages": "read",
                        "minutes": "of reading",
                        "reviews": "approved",
                    }[ctx.goal_unit]
                    text += f" — {self.quantity(ctx.progress_target, ctx.goal_unit)} {read}"
                text += "! 🎉"
                if ctx.points:
                    text += f" Bonus: {self.quantity(ctx.points, 'points')}!"
                return text
            unit, goal = self.goal(ctx)
            current = self.number(ctx.progress_current or 0)
            target = self.quantity(goal, unit)
            verb = {"minutes": "has read for", "reviews": "has written"}.get(unit, "has read")
            return (
                f"{name} {verb} {current} of {target} in {challenge_named(challenge)} "
                f"at {library} ({progress_percent(ctx)}%). Keep going! 💪"
            )
        if ctx.subject_type == "leaderboard_rank":
            board = (
                f"the {q(challenge)} challenge leaderboard"
                if challenge
                else (f"the {library} leaderboard")
            )
            assert ctx.period is not None and ctx.rank is not None
            text = f"{name} is {ordinal(ctx.rank)} on {board} {self.period(ctx.period)}"
            if ctx.points:
                text += f" with {self.quantity(ctx.points, 'points')}"
            return text + "! 🏆"
        parts = self.summary_parts(ctx)
        month = f("month_label")
        if not parts:
            return f"{name} is ready to start a reading adventure with {library} in {month}! 📖"
        return f"{name}'s reading in {month}: {self.join_list(parts)}! 📖"

    def invitation(self, ctx: ShareContext, f: Fields, message: str) -> str:
        library, challenge = f("library_name"), f("challenge_title")
        named_challenge = bool(challenge) and ctx.subject_type != "monthly_summary"
        at = "" if library in message else library
        where = f" at {at}" if at else ""
        if named_challenge:
            return f"Join the challenge too{where} on the {APP_NAME} app!"
        if challenge:
            return f"Join {challenge_named(challenge)}{where} on the {APP_NAME} app!"
        return f"Come read with {at or 'us'} on the {APP_NAME} app!"

    def headline(self, ctx: ShareContext, f: Fields) -> str:
        name = f("display_name")
        match ctx.subject_type:
            case "badge":
                return f"{name} earned the {q(f('badge_name'))} badge"
            case "reading_log":
                if ctx.completed:
                    return f"{name} finished {q(f('book_title'))}"
                return f"{name} is reading {q(f('book_title'))}"
            case "challenge":
                title = f("challenge_title")
                if ctx.completed:
                    return f"{name} completed {challenge_named(title)}"
                return f"{name}: {progress_percent(ctx)}% of {challenge_named(title)}"
            case "leaderboard_rank":
                return f"{name} is {ordinal(ctx.rank or 1)} at {f('library_name')}"
            case _:
                return f"{name}'s reading — {f('month_label')}"

    def card_kicker(self, ctx: ShareContext) -> str:
        match ctx.subject_type:
            case "badge":
                return "New badge!"
            case "reading_log":
                return "Finished reading!" if ctx.completed else "Now reading"
            case "challenge":
                return "Challenge complete!" if ctx.completed else "Challenge progress"
            case "leaderboard_rank":
                assert ctx.period is not None
                return f"Leaderboard {self.period(ctx.period)}"
            case _:
                return "Reading recap"

    def card_author(self, author: str) -> str:
        return f"by {author}"

    def card_progress(self, current: str, target: str) -> str:
        return f"{current} of {target}"

    def card_rank(self, rank: int) -> str:
        return f"Rank #{rank}"


WORDINGS.register("en", English())
