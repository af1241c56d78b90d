"""Share wording in Bahasa Indonesia (the default language)."""

from __future__ import annotations

from app.share.wording.catalogue import WORDINGS, Unit, Wording, q
from app.share.wording.context import APP_NAME, Period, ShareContext, progress_percent
from app.share.wording.fitting import Fields

_UNITS = {
    "books": "buku",
    "pages": "halaman",
    "minutes": "menit",
    "reviews": "ulasan",
    "points": "poin",
}
_PERIODS = {"week": "minggu ini", "month": "bulan ini", "all_time": "sepanjang masa"}


def challenge_named(title: str) -> str:
    # "tantangan “Tantangan Baca November”" says it twice.
    return q(title) if title.casefold().startswith("tantangan") else f"tantangan {q(title)}"


class Indonesian(Wording):
    language = "id"
    locale = "id_ID"
    page = {
        "invite_title": "Mau ikut membaca?",
        "invite": (
            "Unduh aplikasi {app}, gabung dengan {library}, dan kumpulkan poin serta lencana "
            "dari setiap buku yang kamu baca."
        ),
        "join_challenge": "Ikut tantangannya",
        "join": "Gabung sekarang",
        "download": "Unduh aplikasi {app}",
        "play_store": "Unduh di Google Play",
        "app_store": "Unduh di App Store",
        "invite_code": "Kode undangan saat mendaftar:",
        "image_alt": "Kartu pencapaian: {title}",
        "gone_title": "Tautan ini sudah dihapus",
        "gone_body": (
            "Pemiliknya sudah menghapus tautan ini. Tapi petualangan membaca tetap terbuka "
            "untuk semua — yuk, mulai membaca bersama perpustakaan kotamu!"
        ),
        "not_found_title": "Halaman tidak ditemukan",
        "not_found_body": (
            "Tautan ini tidak kami kenal. Mungkin ada salah ketik? Yuk, mulai membaca bersama"
            " perpustakaan kotamu di {app}."
        ),
        "home": "Ke {app}",
    }
    library_page = {
        "title": "Ayo membaca bersama {library}",
        "description": (
            "Catat bacaanmu di aplikasi {app}, kumpulkan poin dan lencana, dan ikuti "
            "tantangan membaca bulanan perpustakaan."
        ),
        "challenges": "Tantangan bulan ini",
        "when": "{start} s.d. {end}",
        "readers": "Pembaca teratas bulan ini",
        "points": "{points} poin",
        "testimonials": "Kata pembaca",
        "signup_title": "Daftar dan mulai membaca",
        "signup": (
            "Unduh aplikasi {app}, pilih {library} saat mendaftar, dan catat buku pertamamu "
            "hari ini."
        ),
        "anonymous": "Pembaca",
    }
    instructions = {
        "instagram": (
            "Simpan gambar story, lalu bagikan ke Instagram Story atau feed. Tempel teks ini "
            "sebagai keterangan, dan tambahkan tautan lewat stiker Link di Story."
        ),
        "tiktok": (
            "Simpan gambar story, unggah sebagai foto di TikTok, lalu tempel teks ini sebagai "
            "keterangan."
        ),
    }

    def number(self, n: int) -> str:
        return f"{n:,}".replace(",", ".")

    def quantity(self, n: int, unit: Unit) -> str:
        return f"{self.number(n)} {_UNITS[unit]}"

    def join_list(self, parts: list[str]) -> str:
        if len(parts) <= 1:
            return "".join(parts)
        if len(parts) == 2:
            return f"{parts[0]} dan {parts[1]}"
        # A series: "a, b, dan c", as EYD writes it.
        return ", ".join(parts[:-1]) + ", dan " + parts[-1]

    def period(self, period: Period) -> str:
        return _PERIODS[period]

    def reading_time(self, minutes: str) -> str:
        return f"{minutes} membaca"

    def message(self, ctx: ShareContext, f: Fields) -> str:
        name, library = f("display_name"), f("library_name")
        challenge = f("challenge_title")
        if ctx.subject_type == "badge":
            text = f"{name} baru saja meraih lencana {q(f('badge_name'))} di {library}"
            if challenge:
                text += f" lewat {challenge_named(challenge)}"
            if ctx.points:
                text += f" dan dapat bonus {self.quantity(ctx.points, 'points')}"
            return text + "! 🏅"
        if ctx.subject_type == "reading_log":
            book = q(f("book_title"))
            if f("book_author"):
                book += f" karya {f('book_author')}"
            details = []
            if ctx.pages:
                details.append(self.quantity(ctx.pages, "pages"))
            if ctx.minutes and not ctx.pages:
                details.append(self.quantity(ctx.minutes, "minutes"))
            if ctx.points:
                details.append(f"+{self.quantity(ctx.points, 'points')}")
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
                text += f" Bagian dari {challenge_named(challenge)}."
            return text
        if ctx.subject_type == "challenge":
            if ctx.completed:
                text = f"{name} berhasil menuntaskan {challenge_named(challenge)} di {library}"
                if ctx.progress_target and ctx.goal_unit:
                    done = {
                        "books": "buku selesai dibaca",
                        "pages": "halaman dibaca",
                        "minutes": "menit membaca",
                        "reviews": "ulasan disetujui",
                    }[ctx.goal_unit]
                    text += f": {self.number(ctx.progress_target)} {done}"
                text += "! 🎉"
                if ctx.points:
                    text += f" Bonus {self.quantity(ctx.points, 'points')}!"
                return text
            unit, goal = self.goal(ctx)
            current = self.number(ctx.progress_current or 0)
            target = self.quantity(goal, unit)
            verb = "menulis" if unit == "reviews" else "membaca"
            return (
                f"{name} sudah {verb} {current} dari {target} dalam "
                f"{challenge_named(challenge)} di {library} ({progress_percent(ctx)}%). "
                "Terus semangat! 💪"
            )
        if ctx.subject_type == "leaderboard_rank":
            board = challenge_named(challenge) if challenge else library
            assert ctx.period is not None
            period = self.period(ctx.period)
            text = f"{name} menempati posisi ke-{ctx.rank} di papan peringkat {board} {period}"
            if ctx.points:
                text += f" dengan {self.quantity(ctx.points, 'points')}"
            return text + "! 🏆"
        parts = self.summary_parts(ctx)
        month = f("month_label")
        if not parts:
            return f"{name} siap memulai petualangan membaca di bulan {month} bersama {library}! 📖"
        return f"Rekap baca {name} bulan {month}: {self.join_list(parts)}! 📖"

    def invitation(self, ctx: ShareContext, f: Fields, message: str) -> str:
        library, challenge = f("library_name"), f("challenge_title")
        # Name the challenge and the library only if the message didn't already.
        named_challenge = bool(challenge) and ctx.subject_type != "monthly_summary"
        at = "" if library in message else library
        where = f" di {at}" if at else ""
        if named_challenge:
            return f"Yuk, ikut tantangannya juga{where} lewat aplikasi {APP_NAME}!"
        if challenge:
            return f"Yuk, ikut {challenge_named(challenge)}{where} lewat aplikasi {APP_NAME}!"
        return f"Yuk, ikut membaca bareng {at or 'kami'} di aplikasi {APP_NAME}!"

    def headline(self, ctx: ShareContext, f: Fields) -> str:
        name = f("display_name")
        match ctx.subject_type:
            case "badge":
                return f"{name} meraih lencana {q(f('badge_name'))}"
            case "reading_log":
                if ctx.completed:
                    return f"{name} selesai membaca {q(f('book_title'))}"
                return f"{name} sedang membaca {q(f('book_title'))}"
            case "challenge":
                title = f("challenge_title")
                if ctx.completed:
                    return f"{name} menuntaskan {challenge_named(title)}"
                return f"{name}: {progress_percent(ctx)}% {challenge_named(title)}"
            case "leaderboard_rank":
                return f"{name} peringkat ke-{ctx.rank} di {f('library_name')}"
            case _:
                return f"Rekap baca {name} — {f('month_label')}"

    def card_kicker(self, ctx: ShareContext) -> str:
        match ctx.subject_type:
            case "badge":
                return "Lencana baru!"
            case "reading_log":
                return "Selesai dibaca!" if ctx.completed else "Sedang dibaca"
            case "challenge":
                return "Tantangan tuntas!" if ctx.completed else "Progres tantangan"
            case "leaderboard_rank":
                assert ctx.period is not None
                return f"Papan peringkat {self.period(ctx.period)}"
            case _:
                return "Rekap membaca"

    def card_author(self, author: str) -> str:
        return f"karya {author}"

    def card_progress(self, current: str, target: str) -> str:
        return f"{current} dari {target}"

    def card_rank(self, rank: int) -> str:
        return f"Peringkat #{rank}"


WORDINGS.register("id", Indonesian())
