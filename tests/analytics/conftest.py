"""A small programme of reading whose figures the tests work out from their own logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models.library import Library
from app.models.member import Member
from app.models.reading import LedgerEntry
from app.scoring import READING_CODES
from tests.conftest import START


def book(title: str = "Laskar Pelangi", **kw: Any) -> dict[str, Any]:
    b = {"title": title, "author": "Andrea Hirata", "genre": "Novel"}
    b.update(kw)
    return b


@dataclass
class Sent:
    """One log as the test sent it."""

    member: str
    read_on: date
    pages: int = 0
    minutes: int = 0
    finished: bool = False
    title: str = "Laskar Pelangi"
    author: str = "Andrea Hirata"
    genre: str = "Novel"
    hashtags: list[str] = field(default_factory=list)


@dataclass
class World:
    palu: Library
    semarang: Library
    staff: Member
    other_staff: Member
    admin: Member
    people: dict[str, Member]
    headers: dict[str, dict[str, str]]
    sent: list[Sent]

    def points(self, factory: Any, start: date, end: date) -> tuple[int, int]:
        with factory.session() as s:
            rows = s.execute(
                select(LedgerEntry.rule_code, func.sum(LedgerEntry.amount))
                .where(
                    LedgerEntry.library_id == self.palu.id,
                    LedgerEntry.day >= start,
                    LedgerEntry.day <= end,
                )
                .group_by(LedgerEntry.rule_code)
            ).all()
        reading = sum(int(n) for code, n in rows if code in READING_CODES)
        bonus = sum(int(n) for code, n in rows if code not in READING_CODES)
        return reading, bonus

    def logs_between(self, start: date, end: date) -> list[Sent]:
        return [s for s in self.sent if start <= s.read_on <= end]


def send(client: Any, headers: dict[str, str], s: Sent) -> dict[str, Any]:
    body: dict[str, Any] = {
        "book": book(s.title, author=s.author, genre=s.genre),
        "read_on": s.read_on.isoformat(),
        "finished": s.finished,
        "hashtags": s.hashtags,
    }
    if s.pages:
        body["pages"] = s.pages
    if s.minutes:
        body["minutes"] = s.minutes
    r = client.post("/v1/reading-logs", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["log"]["status"] == "accepted"
    return r.json()


@pytest.fixture
def world(client, factory, clock) -> World:
    palu = factory.library("palu")
    semarang = factory.library("semarang")
    people = {
        "ana": factory.member(palu, age=30, school="SMA Negeri 1", nickname="Ana"),
        "budi": factory.member(palu, age=25, school="SMA Negeri 1", nickname="Budi"),
        "citra": factory.member(palu, age=41, nickname="Citra"),
        "dewi": factory.member(palu, age=15, school="SMP Negeri 2", nickname="Dewi"),
        "guardian": factory.member(palu, age=38),
    }
    people["kid1"] = factory.child(people["guardian"], nickname="Kancil")
    people["kid2"] = factory.child(people["guardian"], nickname="Merpati")
    headers = {k: factory.headers(m) for k, m in people.items() if not m.guardian_id}
    for kid in ("kid1", "kid2"):
        headers[kid] = factory.child_headers(people["guardian"], people[kid])
    sent: list[Sent] = []
    # October, for the previous period.
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    october = [Sent("ana", date(2026, 10, 20), pages=30, hashtags=["#BacaPalu"])]
    clock.set(START)  # Tuesday 17 November
    november = [
        Sent("ana", date(2026, 11, 16), pages=50, finished=True, hashtags=["#BacaPalu"]),
        Sent("ana", date(2026, 11, 17), pages=20, title="Bumi Manusia", author="Pramoedya"),
        Sent("budi", date(2026, 11, 17), minutes=30, title="Bumi Manusia", author="Pramoedya"),
        Sent(
            "citra",
            date(2026, 11, 10),
            pages=10,
            finished=True,
            genre="Sejarah",
            title="Sejarah Sulawesi",
            author="Mattulada",
        ),
        Sent("dewi", date(2026, 11, 17), pages=15, hashtags=["#BacaPalu", "#Remaja"]),
        Sent("kid1", date(2026, 11, 17), pages=5, finished=True, title="Si Kancil"),
    ]
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    for s in october:
        send(client, headers[s.member], s)
        sent.append(s)
    clock.set(START)
    for s in november:
        send(client, headers[s.member], s)
        sent.append(s)
    staff = factory.staff(palu)
    other = factory.staff(semarang)
    admin = factory.admin()
    headers["staff"] = factory.headers(staff)
    headers["other_staff"] = factory.headers(other)
    headers["admin"] = factory.headers(admin)
    return World(palu, semarang, staff, other, admin, people, headers, sent)
