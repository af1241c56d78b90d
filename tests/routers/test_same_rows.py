"""Both engines write the same rows for the same logs.

SQLite writes a counted log statement by statement; PostgreSQL writes it in one
statement (`app/reading/counting_sql.py`). This test logs a fixed mix of reading (pages,
minutes only, a finished book, a new genre, a challenge's hashtag, a back-dated day, a
log held for review, a guardian's log for their child, an offline batch) and compares
every row those logs wrote with `same_rows.json`. The suite runs on both engines, so
both must write exactly those rows. After a deliberate change to what a log writes,
regenerate the file with `SAME_ROWS_WRITE=1` (on SQLite) and read its diff.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.models.challenge import ChallengeParticipant
from app.models.leaderboard import BoardScore
from app.models.member import Member
from app.models.reading import LedgerEntry, MemberBook, MemberDay, MemberGenre, ReadingLog
from app.services import stats

EXPECTED = Path(__file__).with_name("same_rows.json")

LOG_COLUMNS = (
    "id",
    "member_id",
    "book_id",
    "logged_by",
    "pages",
    "minutes",
    "finished",
    "read_on",
    "hashtags",
    "status",
    "review_reasons",
    "multiplier",
    "challenge_ids",
    "points",
    "pending_points",
    "counted_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(session, model, columns, order) -> list[dict[str, Any]]:
    table = model.__table__
    stmt = select(*(table.c[c] for c in columns)).order_by(*(table.c[c] for c in order))
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in session.execute(stmt)
    ]


def written(factory) -> dict[str, Any]:
    with factory.session() as s:
        return {
            "reading_log": _rows(s, ReadingLog, LOG_COLUMNS, ["id"]),
            "ledger_entry": _rows(
                s,
                LedgerEntry,
                ["member_id", "amount", "rule_code", "log_id", "challenge_id", "badge_id", "day"],
                ["id"],
            ),
            "member_day": _rows(
                s,
                MemberDay,
                ["member_id", *stats.DAY_COLUMNS, "books_finished"],
                ["member_id", "day"],
            ),
            "member_book": _rows(
                s, MemberBook, ["member_id", "book_id", "finished_on"], ["member_id", "book_id"]
            ),
            "member_genre": _rows(
                s, MemberGenre, ["member_id", "genre", "first_on"], ["member_id", "genre"]
            ),
            "board_score": _rows(
                s, BoardScore, ["board", "member_id", "points", "placed"], ["board", "member_id"]
            ),
            "challenge_participant": _rows(
                s,
                ChallengeParticipant,
                ["challenge_id", "member_id", "progress", "completed_at"],
                ["challenge_id", "member_id"],
            ),
            "member": _rows(s, Member, ["id", *stats.COUNTER_COLUMNS], ["id"]),
        }


def test_both_engines_write_the_same_rows_for_the_same_logs(client, factory):
    palu = factory.library("palu")
    staff = factory.staff(palu)
    challenge = {
        "title": "Tantangan Baca November",
        "hashtag": "#TantanganBacaNovember",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "goal": "pages",
        "target": 60,
        "bonus_points": 25,
    }
    r = client.post("/v1/challenges", json=challenge, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    reader = factory.member(palu)
    guardian = factory.member(palu)
    child = factory.child(guardian)
    h, hg = factory.headers(reader), factory.headers(guardian)
    novel = {"title": "Laskar Pelangi", "author": "Andrea Hirata", "genre": "Novel", "pages": 80}
    science = {"title": "Kosmos", "author": "Carl Sagan", "genre": "Sains"}
    logs = [
        (h, {"book": novel, "pages": 30}),
        (h, {"book": novel, "minutes": 25}),
        (h, {"book": novel, "pages": 40, "finished": True, "hashtags": ["#TantanganBacaNovember"]}),
        (h, {"book": science, "pages": 12, "minutes": 20, "read_on": "2026-11-15"}),
        (h, {"book": science, "pages": 5, "read_on": "2026-11-16"}),
        (h, {"book": science, "pages": 100, "minutes": 5}),  # too fast: held for review
        (hg, {"book": science, "pages": 9, "member_id": child.id}),
    ]
    for headers, body in logs:
        r = client.post("/v1/reading-logs", json=body, headers=headers)
        assert r.status_code == 201, r.text
    items = [
        {"client_id": "b1", "book": novel, "pages": 6, "read_on": "2026-11-14"},
        {"client_id": "b2", "book": science, "minutes": 31, "read_on": "2026-11-13"},
    ]
    r = client.post("/v1/reading-logs/batch", json={"items": items}, headers=hg)
    assert r.status_code == 200, r.text
    assert [i["outcome"] for i in r.json()["items"]] == ["accepted", "accepted"]

    rows = written(factory)
    if os.environ.get("SAME_ROWS_WRITE"):
        EXPECTED.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    assert rows == json.loads(EXPECTED.read_text())
