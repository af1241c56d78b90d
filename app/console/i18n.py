"""The console's words in Bahasa Indonesia (first) and English.

Longer than the house's 400 lines on purpose: it is one table of word pairs, and cutting
it in two would only make a missing translation harder to see.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from markupsafe import Markup

LANGUAGES = ("id", "en")

# key: (Bahasa Indonesia, English)
TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Konsol Pustakawan BacaQuest", "BacaQuest Staff Console"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav": ("Menu utama", "Main menu"),
    "dashboard": ("Dasbor", "Dashboard"),
    "challenges": ("Tantangan", "Challenges"),
    "review": ("Antrean tinjauan", "Review queue"),
    "badges": ("Lencana", "Badges"),
    "members": ("Anggota", "Members"),
    "settings": ("Pengaturan", "Settings"),
    "reports": ("Laporan", "Reports"),
    "libraries": ("Perpustakaan", "Libraries"),
    "language": ("Bahasa", "Language"),
    "switch_lang": ("English", "Bahasa Indonesia"),
    "sign_in": ("Masuk", "Sign in"),
    "sign_out": ("Keluar", "Sign out"),
    "sign_out_all": ("Keluar dari semua perangkat", "Sign out everywhere"),
    "email": ("Email", "Email"),
    "password": ("Kata sandi", "Password"),
    "sign_in_intro": (
        "Masuk dengan akun pustakawan atau administrator.",
        "Sign in with a staff or administrator account.",
    ),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "library": ("Perpustakaan", "Library"),
    "choose_library": ("Pilih perpustakaan", "Choose a library"),
    "choose": ("Pilih", "Choose"),
    "error": ("Terjadi masalah", "Something went wrong"),
    "back": ("Kembali", "Back"),
    "save": ("Simpan", "Save"),
    "create": ("Buat", "Create"),
    "cancel": ("Batal", "Cancel"),
    "search": ("Cari", "Search"),
    "download_csv": ("Unduh CSV", "Download CSV"),
    "download_xlsx": ("Unduh XLSX", "Download XLSX"),
    "none_yet": ("Belum ada.", "None yet."),
    "saved": ("Tersimpan.", "Saved."),
    "check_form": ("Periksa isian berikut:", "Please check the following:"),
    # challenges
    "live": ("Berlangsung", "Live"),
    "upcoming": ("Akan datang", "Upcoming"),
    "past": ("Selesai", "Past"),
    "drafts": ("Draf", "Drafts"),
    "new_challenge": ("Tantangan baru", "New challenge"),
    "edit_challenge": ("Ubah tantangan", "Edit challenge"),
    "title": ("Judul", "Title"),
    "description": ("Deskripsi", "Description"),
    "hashtag": ("Tagar", "Hashtag"),
    "starts_on": ("Mulai", "Starts"),
    "ends_on": ("Berakhir", "Ends"),
    "goal": ("Sasaran", "Goal"),
    "target": ("Target", "Target"),
    "age_groups": ("Kelompok usia", "Age groups"),
    "kids": ("Anak (≤12)", "Kids (≤12)"),
    "teens": ("Remaja (13-17)", "Teens (13-17)"),
    "adults": ("Dewasa", "Adults"),
    "bonus_points": ("Poin bonus selesai", "Completion bonus points"),
    "badge": ("Lencana", "Badge"),
    "no_badge": ("Tanpa lencana", "No badge"),
    "published": ("Terbitkan (terlihat oleh anggota)", "Published (members can see it)"),
    "books": ("buku selesai", "finished books"),
    "pages": ("halaman", "pages"),
    "minutes": ("menit", "minutes"),
    "reviews": ("ulasan disetujui (lomba ulasan)", "approved reviews (review contest)"),
    "participants": ("Peserta", "Participants"),
    "progress": ("Kemajuan", "Progress"),
    "completed": ("Selesai", "Completed"),
    "joined": ("Bergabung", "Joined"),
    "flagged": ("Log ditandai", "Flagged logs"),
    "end_early": ("Akhiri hari ini", "End today"),
    "end_early_help": (
        "Tantangan yang sudah berjalan dapat diakhiri lebih awal, paling cepat hari ini.",
        "A live challenge can end early, today at the soonest.",
    ),
    "rules_intro": ("Aturan yang diperiksa sebelum menyimpan", "Rules checked before saving"),
    "rule_hashtag": (
        "Tagar tidak boleh dipakai tantangan lain perpustakaan ini pada tanggal yang beririsan.",
        "The hashtag may not belong to another challenge of this library on overlapping dates.",
    ),
    "rule_reach": (
        "Target harus dapat dicapai di bawah batas harian perpustakaan: "
        "paling banyak {pages} halaman, {minutes} menit dan {points} poin sehari.",
        "The target must be reachable under the library's daily caps: "
        "at most {pages} pages, {minutes} minutes and {points} points a day.",
    ),
    "rule_started": (
        "Setelah dimulai, tanggal mulai, tagar dan sasaran tetap; target tidak boleh dinaikkan.",
        "Once started, the start date, hashtag and goal stay; the target may not be raised.",
    ),
    "check_ok": ("Semua aturan terpenuhi.", "Every rule is met."),
    "preview": ("Pratinjau kartu berbagi", "Share card preview"),
    "preview_alt": (
        "Pratinjau kartu berbagi tantangan {title}",
        "Share card preview of the challenge {title}",
    ),
    "preview_texts": ("Teks untuk media sosial", "Social media texts"),
    "preview_note": (
        "Contoh kartu yang dibagikan pembaca setengah jalan menuju target.",
        "The card a reader half-way to the target would share.",
    ),
    "status": ("Status", "Status"),
    "window": ("Periode", "Window"),
    "challenge_created": ("Tantangan dibuat.", "Challenge created."),
    "challenge_saved": ("Tantangan disimpan.", "Challenge saved."),
    "challenge_ended": ("Tantangan diakhiri hari ini.", "Challenge ends today."),
    # review
    "review_intro": (
        "Log yang melewati batas kewajaran menunggu keputusan Anda. Poinnya baru "
        "masuk setelah disetujui.",
        "Logs that broke a plausibility cap wait for you. Their points count once approved.",
    ),
    "select": ("Pilih", "Select"),
    "select_all": ("Pilih semua", "Select all"),
    "member": ("Anggota", "Member"),
    "book": ("Buku", "Book"),
    "read_on": ("Tanggal baca", "Read on"),
    "why": ("Alasan ditandai", "Why flagged"),
    "recent_days": ("Hari-hari terakhir", "Recent days"),
    "points": ("Poin", "Points"),
    "pending_points": ("Poin tertunda", "Pending points"),
    "approve": ("Setujui", "Approve"),
    "reject": ("Tolak", "Reject"),
    "approve_selected": ("Setujui yang dipilih", "Approve selected"),
    "reject_selected": ("Tolak yang dipilih", "Reject selected"),
    "queue_empty": ("Tidak ada log yang menunggu tinjauan.", "No logs are waiting for review."),
    "reviewed": ("Hasil tinjauan", "Review results"),
    "now_has": ("sekarang {points} poin", "now {points} points"),
    "daily_cap_pages": ("melewati batas halaman harian", "over the daily page cap"),
    "daily_cap_minutes": ("melewati batas menit harian", "over the daily minute cap"),
    "daily_cap_points": ("melewati batas poin harian", "over the daily points cap"),
    "beyond_book_pages": ("melebihi jumlah halaman buku", "beyond the book's pages"),
    "review_note": ("Alasan untuk anggota (tidak wajib)", "Reason for the member (optional)"),
    "review_note_help": (
        "Anggota melihat alasan ini bersama keputusan Anda.",
        "The member sees this with your decision.",
    ),
    "staff_on_boards": (
        "Pustakawan tampil di papan peringkat",
        "Staff appear on the leaderboards",
    ),
    "too_fast": ("terlalu cepat (halaman per menit)", "too fast (pages a minute)"),
    "nothing_selected": ("Pilih minimal satu log.", "Select at least one log."),
    # badges
    "new_badge": ("Lencana baru", "New badge"),
    "name": ("Nama", "Name"),
    "icon": ("Ikon", "Icon"),
    "color": ("Warna", "Colour"),
    "criteria": ("Syarat", "Criteria"),
    "metric": ("Ukuran", "Measure"),
    "period": ("Periode", "Period"),
    "earned_by": ("Diraih oleh", "Earned by"),
    "badge_created": ("Lencana dibuat.", "Badge created."),
    "badge_rule": (
        "Lencana yang tidak mungkin diraih di bawah batas harian perpustakaan ditolak.",
        "A badge no member could earn under the library's daily caps is refused.",
    ),
    "books_finished": ("buku selesai", "books finished"),
    "streak_days": ("hari beruntun", "streak days"),
    "genres": ("genre berbeda", "distinct genres"),
    "logs": ("log bacaan", "reading logs"),
    "challenges_completed": ("tantangan selesai", "challenges completed"),
    "shares": ("kali berbagi", "shares"),
    "all_time": ("sepanjang waktu", "all time"),
    "month": ("sebulan", "a month"),
    "week": ("seminggu", "a week"),
    "day": ("sehari", "a day"),
    # members
    "find_members": (
        "Cari nama, nama panggilan, email atau sekolah",
        "Find by name, nickname, email or school",
    ),
    "nickname": ("Nama panggilan", "Nickname"),
    "school": ("Sekolah", "School"),
    "age_group": ("Kelompok usia", "Age group"),
    "role": ("Peran", "Role"),
    "child_of": ("Anak dari", "Child of"),
    "children": ("Anak", "Children"),
    "child_hidden": (
        "Nama lengkap anak tidak ditampilkan; hubungi walinya.",
        "A child's full name is not shown; contact the guardian.",
    ),
    "reading_logs": ("Log bacaan", "Reading logs"),
    "total": ("Total", "Total"),
    "pending": ("Tertunda", "Pending"),
    "by_rule": ("Per aturan", "By rule"),
    "earned": ("Diraih", "Earned"),
    "no_results": ("Tidak ada yang cocok.", "Nothing matches."),
    "appoint_staff": ("Jadikan pustakawan", "Appoint as staff"),
    # settings
    "timezone": ("Zona waktu", "Time zone"),
    "hashtags": ("Tagar perpustakaan", "Library hashtags"),
    "hashtags_help": ("Pisahkan dengan spasi atau koma.", "Separate with spaces or commas."),
    "primary_color": ("Warna utama", "Primary colour"),
    "accent_color": ("Warna aksen", "Accent colour"),
    "scoring": ("Aturan penilaian", "Scoring rules"),
    "card_in_colours": ("Kartu dengan warna ini", "The card in these colours"),
    "dry_run": ("Uji coba sebelum menyimpan", "Dry run before saving"),
    "run_dry_run": ("Lihat dampaknya", "See the effect"),
    "confirm_save": ("Simpan aturan ini", "Save these rules"),
    "dry_run_intro": (
        "Belum ada yang berubah. Dengan aturan ini:",
        "Nothing has changed yet. Under these rules:",
    ),
    "would_gain": ("{n} anggota akan bertambah poinnya", "{n} members would gain points"),
    "would_lose": ("{n} anggota akan berkurang poinnya", "{n} members would lose points"),
    "badges_earned": ("Lencana yang akan diraih", "Badges that would be earned"),
    "badges_lost": ("Lencana yang akan hilang", "Badges that would be lost"),
    "completions_changed": (
        "Penyelesaian tantangan yang berubah",
        "Challenge completions that would change",
    ),
    "dry_run_missing": (
        "Uji coba aturan belum tersedia di server ini; aturan penilaian belum dapat diubah "
        "dari konsol.",
        "The rules dry run is not available on this server yet; scoring rules cannot be "
        "changed from the console.",
    ),
    "points_per_page": ("Poin per halaman", "Points per page"),
    "minutes_per_point": ("Menit per poin", "Minutes per point"),
    "finished_book_bonus": ("Bonus buku selesai", "Finished book bonus"),
    "streak_min_days": ("Hari beruntun minimal", "Streak from day"),
    "streak_bonus_per_day": ("Bonus beruntun per hari", "Streak bonus per day"),
    "streak_bonus_max": ("Bonus beruntun maksimal", "Streak bonus at most"),
    "challenge_multiplier": ("Pengali tantangan", "Challenge multiplier"),
    "daily_cap_pages_f": ("Batas halaman harian", "Daily page cap"),
    "daily_cap_minutes_f": ("Batas menit harian", "Daily minute cap"),
    "daily_cap_points_f": ("Batas poin harian", "Daily points cap"),
    "max_pages_per_minute": ("Halaman per menit maksimal", "Pages a minute at most"),
    "backdate_days": ("Hari mundur maksimal", "Back-dating days"),
    # admin
    "new_library": ("Perpustakaan baru", "New library"),
    "slug": ("Kode (slug)", "Slug"),
    "city": ("Kota", "City"),
    "library_created": ("Perpustakaan dibuat.", "Library created."),
    "staff_appointed": ("Pustakawan diangkat.", "Staff appointed."),
    "member_email": ("Email anggota", "Member's email"),
    # dashboard / reports
    "this_month": ("Bulan ini", "This month"),
    "filters": ("Saring", "Filters"),
    "apply": ("Terapkan", "Apply"),
    "from": ("Dari", "From"),
    "to": ("Sampai", "To"),
    "all": ("Semua", "All"),
    "previous_period": ("Sebelumnya", "Previous period"),
    "current_period": ("Periode ini", "This period"),
    "date": ("Tanggal", "Date"),
    "chart_table": ("Angka grafik", "Chart figures"),
    "analytics_missing": (
        "Analitik belum tersedia di server ini.",
        "Analytics are not available on this server yet.",
    ),
    "fewer_than_5": ("kurang dari 5", "fewer than 5"),
    "metric_active_readers": ("Pembaca aktif", "Active readers"),
    "metric_logs": ("Log bacaan", "Reading logs"),
    "metric_pages": ("Halaman", "Pages"),
    "metric_minutes": ("Menit", "Minutes"),
    "chart_desc": (
        "{metric} per hari dari {start} sampai {end}, dengan periode sebelumnya sebagai "
        "garis putus-putus. Angkanya ada di tabel di sampingnya.",
        "{metric} per day from {start} to {end}, with the previous period as a dashed line. "
        "The numbers are in the table beside it.",
    ),
    "change": ("Perubahan", "Change"),
    "at_a_glance": ("Sekilas", "At a glance"),
    "active_readers_month": ("Pembaca aktif (tiap orang sekali)", "Active readers (each once)"),
    "new_members": ("Anggota baru", "New members"),
    "logs_kpi": ("Log bacaan", "Reading logs"),
    "pages_kpi": ("Halaman dibaca", "Pages read"),
    "minutes_kpi": ("Menit membaca", "Minutes read"),
    "books_kpi": ("Buku selesai", "Books finished"),
    "queue_kpi": ("Menunggu tinjauan", "Waiting for review"),
    "live_challenge": ("Tantangan berlangsung", "Live challenge"),
    "completion_rate": ("Tingkat penyelesaian", "Completion rate"),
    "reading_index": ("Komponen kegemaran membaca", "Reading-fondness components"),
    "index_statement": (
        "Angka ini menggambarkan peserta aktif BacaQuest di perpustakaan ini, bukan "
        "penduduk: bukan survei dan bukan skor Tingkat Kegemaran Membaca (TGM) Perpusnas, "
        "melainkan tiga komponen bacaannya. Tidak ada indeks gabungan yang dihitung.",
        "These figures describe BacaQuest's active participants of this library, not the "
        "population: not a survey and not Perpusnas' reading-fondness (TGM) score, but three "
        "of its reading components. No composite index is computed.",
    ),
    "fm": ("FM: hari membaca per minggu", "FM: reading days per week"),
    "dm": ("DM: menit per hari membaca", "DM: minutes per reading day"),
    "jb": ("JB: buku per triwulan", "JB: books per quarter"),
    "month_start": ("Bulan", "Month"),
    "funnel": ("Corong media sosial", "Social funnel"),
    "funnel_desc": (
        "Dari berbagi ke pengunjung halaman, klik bergabung dan pendaftaran. Perayap "
        "pratinjau tautan tidak dihitung.",
        "From shares to landing-page visitors, join clicks and registrations. Link-preview "
        "crawlers are not counted.",
    ),
    "funnel_note": (
        "Corong tidak dipecah per kelompok usia atau sekolah; perayap dihitung terpisah: {n}.",
        "The funnel is not split by age group or school; crawlers are counted apart: {n}.",
    ),
    "landing_views": ("Pengunjung halaman", "Landing visitors"),
    "join_clicks": ("Klik bergabung", "Join clicks"),
    "registrations": ("Pendaftaran", "Registrations"),
    "top_books": ("Buku terpopuler", "Top books"),
    "readers": ("Pembaca", "Readers"),
    "step": ("Tahap", "Step"),
    "value": ("Jumlah", "Count"),
    "report": ("Laporan", "Report"),
    "show": ("Tampilkan", "Show"),
    "report_status": ("Status saat ini", "Current status"),
    "report_schools": ("Per sekolah", "By school"),
    "report_progress": ("Kemajuan peserta", "Participant progress"),
    "report_badges": ("Lencana diraih", "Badges earned"),
    "report_top_scores": ("Skor tertinggi", "Top scores"),
    "privacy": ("Privasi", "Privacy"),
    "table_scroll": ("Tabel (dapat digeser)", "Table (scrolls sideways)"),
    # comparisons and top lists
    "compare_with": ("Bandingkan dengan", "Compare with"),
    "compare_previous": ("Periode sebelumnya", "The previous period"),
    "compare_last_year": ("Periode yang sama tahun lalu", "The same period last year"),
    "last_year_period": ("Tahun lalu", "Last year"),
    "chart_desc_last_year": (
        "{metric} per hari dari {start} sampai {end}, dengan periode yang sama tahun lalu "
        "sebagai garis putus-putus. Angkanya ada di tabel di sampingnya.",
        "{metric} per day from {start} to {end}, with the same period last year as a dashed "
        "line. The numbers are in the table beside it.",
    ),
    "top_lists": ("Peringkat teratas", "Top lists"),
    "top_books_by_readers": ("Buku terpopuler", "Top books"),
    "top_readers": ("Pembaca teratas (nama panggilan)", "Top readers (by nickname)"),
    "top_schools_by_readers": ("Sekolah teraktif", "Most active schools"),
    "top_genres": ("Genre terpopuler", "Top genres"),
    "top_authors": ("Penulis terpopuler", "Top authors"),
    "top_hashtags": ("Tagar terpopuler", "Top hashtags"),
    "top_challenges": ("Tantangan dengan peserta terbanyak", "Challenges by participants"),
    "top_unit_readers": ("Pembaca", "Readers"),
    "top_unit_points": ("Poin", "Points"),
    "share_active": ("Anggota aktif", "Of members active"),
    "badges_kpi": ("Lencana diraih", "Badges earned"),
    "compare_libraries": ("Semua perpustakaan berdampingan", "All libraries side by side"),
    "compare_caption": (
        "Angka setiap perpustakaan, {start} sampai {end}",
        "Every library's figures, {start} to {end}",
    ),
    "compare_note": (
        "Setiap perpustakaan dihitung menurut kalender lokalnya sendiri.",
        "Each library is counted on its own local calendar.",
    ),
    # the analytics' own notes, said in Bahasa Indonesia in the Indonesian console
    "def_participants": (
        "Anggota dengan sedikitnya satu log bacaan terhitung dalam bulan itu.",
        "Members with at least one counted log in the month.",
    ),
    "def_fm": (
        "Frekuensi membaca (FM): hari membaca per minggu, dirata-rata atas minggu-minggu "
        "ketika peserta membaca (hari-anggota dibagi minggu-anggota).",
        "Reading frequency (FM): days with reading per week, averaged over the weeks in "
        "which a participant read (member-days over member-weeks).",
    ),
    "def_dm": (
        "Durasi membaca (DM): menit membaca per hari membaca, dari log yang mencatat menit "
        "(log yang hanya mencatat halaman tidak menambah menit).",
        "Reading duration (DM): minutes read per reading day, from logs that give minutes "
        "(logs with pages only add no minutes).",
    ),
    "def_jb": (
        "Jumlah buku (JB): buku yang selesai per peserta per triwulan, yaitu buku yang "
        "pertama kali selesai dalam bulan itu per peserta dikali 3.",
        "Number of books (JB): books finished per participant per quarter, as the month's "
        "first finishes per participant times 3.",
    ),
    "privacy_note": (
        "Angka sekelompok anak (12 tahun ke bawah) atau satu sekolah dengan kurang dari 5 "
        "anggota ditampilkan sebagai 'kurang dari 5'. Anggota yang memilih tidak tampil "
        "tetap dihitung dalam total, tetapi tidak muncul di daftar mana pun.",
        "Figures of a cell of children (12 and under) or of one school with fewer than 5 "
        "members read 'fewer than 5'. Opted-out members count in every total and appear in "
        "no list.",
    ),
}


# Problems the console shows most, said in Bahasa Indonesia first; the service's own
# (English) words follow, so nothing of the reason is lost.
PROBLEMS_ID: dict[str, str] = {
    "hashtag-taken": "Tagar ini sudah dipakai tantangan lain pada tanggal yang beririsan.",
    "unreachable": "Target ini tidak dapat dicapai di bawah batas harian perpustakaan.",
    "started": "Tantangan sudah dimulai: tidak boleh dibuat lebih sulit.",
    "not-pending": "Log ini sudah ditinjau.",
    "not-found": "Tidak ditemukan.",
    "csrf": "Formulir kedaluwarsa atau bukan dari konsol; muat ulang halaman. Tidak ada "
    "yang diubah.",
    "console-staff-only": "Konsol hanya untuk pustakawan dan administrator.",
    "invalid-credentials": "Email atau kata sandi salah.",
    "forbidden": "Anda tidak berhak melakukan ini.",
    "already-taken": "Nama ini sudah dipakai.",
    "slug-taken": "Kode perpustakaan ini sudah dipakai.",
    "not-eligible": "Anggota ini tidak dapat dijadikan pustakawan.",
    "validation": "Isian belum benar.",
}


def say(lang: str) -> Callable[[object], Markup]:
    """A problem as the page says it: Indonesian first (when known), then its detail."""

    def text(problem: object) -> Markup:
        slug = str(getattr(problem, "slug", ""))
        detail = str(getattr(problem, "detail", ""))
        known = PROBLEMS_ID.get(slug)
        if lang == "en" or known is None:
            return Markup("{}").format(detail)
        return Markup('{} <span lang="en">({})</span>').format(known, detail)

    return text


def figure(lang: str) -> Callable[[object], str]:
    """How a figure reads: thousands with dots (id) or commas (en), "fewer than 5" kept."""
    t = translator(lang)

    def fig(value: object, percent: bool = False) -> str:
        if value is None:
            return "-"
        if value == "fewer than 5":
            return t("fewer_than_5")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if percent:
            text = f"{value * 100:.0f}%"
        elif isinstance(value, float) and value != int(value):
            text = f"{value:,.1f}"
        else:
            text = f"{int(value):,}"
        if lang == "en":
            return text
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")

    return fig


@lru_cache(maxsize=2)
def translator(lang: str) -> Callable[..., str]:
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t
