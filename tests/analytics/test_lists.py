"""Top lists, the reading-index panel and the reports, worked out from the test's own logs."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

import openpyxl
import pytest

from tests.analytics.test_summary import NOV, get


def test_top_books_by_readers_and_finishes(client, world):
    r = get(client, world, "top", list="books_by_readers", **NOV)
    assert r.status_code == 200, r.text
    body = r.json()
    nov = world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    readers = Counter()
    for title in {s.title for s in nov}:
        readers[title] = len({s.member for s in world.sent if s.title == title})
    # Laskar Pelangi: Ana read it first in October, so in November it gained none.
    readers["Laskar Pelangi"] -= 1
    got = {e["label"]: e["readers"] for e in body["entries"]}
    assert got == dict(readers)
    assert body["entries"][0]["label"] == "Bumi Manusia"
    assert body["entries"][0]["detail"] == "Pramoedya"
    finishes = get(client, world, "top", list="books_by_finishes", **NOV).json()
    by_title = {e["label"]: e["finishes"] for e in finishes["entries"]}
    assert by_title == {t: sum(1 for s in nov if s.title == t and s.finished) for t in by_title}


def test_top_authors_genres_and_hashtags(client, world):
    authors = get(client, world, "top", list="authors", **NOV).json()["entries"]
    # New readers of each author in November (Ana read Andrea Hirata in October).
    assert {e["label"]: e["readers"] for e in authors} == {
        "Andrea Hirata": 2,
        "Pramoedya": 2,
        "Mattulada": 1,
    }
    assert authors[0]["label"] == "Andrea Hirata"  # the tie goes to more logs
    genres = {
        e["label"]: e["logs"]
        for e in get(client, world, "top", list="genres", **NOV).json()["entries"]
    }
    nov = world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    assert genres == dict(Counter(s.genre.lower() for s in nov))  # genres are kept folded
    tags = {
        e["label"]: e["logs"]
        for e in get(client, world, "top", list="hashtags", **NOV).json()["entries"]
    }
    assert tags == {"#bacapalu": 2, "#remaja": 1}
    refused = get(client, world, "top", list="books_by_readers", school="SMA Negeri 1", **NOV)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "school"
    assert get(client, world, "top", list="villains").status_code == 422


def test_top_schools_by_readers_and_share_active(client, world):
    body = get(client, world, "top", list="schools_by_readers", **NOV).json()
    rows = {e["key"]: e for e in body["entries"]}
    # Schools are cells that can pick out a child: all three here are small.
    assert rows["SMA Negeri 1"]["members"] == "fewer than 5"
    assert rows["SMA Negeri 1"]["readers"] == "fewer than 5"
    adults = get(client, world, "top", list="schools_by_share", age_group="adults", **NOV).json()
    sma = next(e for e in adults["entries"] if e["key"] == "SMA Negeri 1")
    assert (sma["members"], sma["readers"], sma["share_active"]) == (2, 2, 1.0)


def test_top_readers_show_nicknames_and_never_the_opted_out(client, factory, world):
    with factory.session() as s:
        dewi = s.get(type(world.people["dewi"]), world.people["dewi"].id)
        dewi.leaderboard_opt_out = True
        s.add(dewi)
        s.commit()
    body = get(client, world, "top", list="readers", start="2026-11-16", end="2026-11-17").json()
    names = [e["label"] for e in body["entries"]]
    assert "Dewi" not in names
    assert "Kancil" in names  # a child, by nickname
    assert not any(n.startswith("Anak") for n in names)
    assert names[0] == "Ana"
    # Dewi still counts in the totals.
    assert get(client, world, "summary", age_group="teens", **NOV).json()["logs"] == 1


def test_reading_index_components_equal_the_logs(client, world):
    r = get(client, world, "reading-index", **NOV)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "not a survey" in body["statement"] or "not the population" in body["statement"]
    assert set(body["definitions"]) == {"participants", "fm", "dm", "jb"}
    row = next(x for x in body["rows"] if x["age_group"] == "all")
    nov = world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    participants = {s.member for s in nov}
    member_days = {(s.member, s.read_on) for s in nov}
    member_weeks = {(s.member, s.read_on.isocalendar()[:2]) for s in nov}
    assert row["participants"] == len(participants)
    assert row["fm"] == pytest.approx(len(member_days) / len(member_weeks), abs=0.01)
    assert row["dm"] == pytest.approx(sum(s.minutes for s in nov) / len(member_days), abs=0.1)
    finished = sum(1 for s in nov if s.finished)
    assert row["jb"] == pytest.approx(3 * finished / len(participants), abs=0.01)
    kids = next(x for x in body["rows"] if x["age_group"] == "kids")
    assert kids["participants"] == "fewer than 5" and kids["fm"] == "fewer than 5"
    teens = next(x for x in body["rows"] if x["age_group"] == "teens")
    assert teens["participants"] == 1 and teens["dm"] == 0.0


def test_the_status_report_downloads_as_csv_and_xlsx(client, world):
    j = get(client, world, "reports/status", **NOV)
    assert j.status_code == 200, j.text
    table = j.json()
    assert table["columns"] == ["Figure", "Value"]
    values = dict(map(tuple, table["rows"]))
    nov = world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    assert values["Pages"] == sum(s.pages for s in nov)
    assert values["Logs"] == len(nov)

    r = get(client, world, "export.csv", report="status", **NOV)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Value"]
    assert dict((k, v) for k, v in rows[1:])["Pages"] == str(values["Pages"])

    x = get(client, world, "export.xlsx", report="status", **NOV)
    assert x.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["Figure", "Value"]
    assert {k: v for k, v in cells[1:]}["Pages"] == values["Pages"]


def test_the_schools_report_hides_small_cells_in_every_format(client, world):
    x = get(client, world, "export.xlsx", report="schools", **NOV)
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][:3] == ["School", "Members", "New members"]
    sd = next(r for r in cells[1:] if r[0] == "SD Negeri 1")
    assert sd[1] == "fewer than 5"
    c = get(client, world, "export.csv", report="schools", **NOV)
    assert "SD Negeri 1,fewer than 5" in c.content.decode("utf-8-sig")


def test_progress_report_counts_participants_past_each_quarter(client, factory, world):
    created = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan Baca Akhir November",
            "hashtag": "#TantanganAkhirNov",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 40,
        },
        headers=world.headers["staff"],
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    for who, pages in (("ana", 10), ("budi", 20), ("citra", 30), ("dewi", 45)):
        r = client.post(
            "/v1/reading-logs",
            json={
                "book": {"title": "Ronggeng Dukuh Paruk", "author": "Ahmad Tohari"},
                "pages": pages,
                "hashtags": ["#TantanganAkhirNov"],
            },
            headers=world.headers[who],
        )
        assert r.status_code == 201, r.text
    # A participant's progress: every page they read inside the window, joined or not.
    window = [s for s in world.sent if s.read_on >= date(2026, 11, 16)]
    progress = {
        who: pages + sum(s.pages for s in window if s.member == who)
        for who, pages in (("ana", 10), ("budi", 20), ("citra", 30), ("dewi", 45))
    }
    adults = [progress[w] for w in ("ana", "budi", "citra")]
    body = get(client, world, "reports/progress", age_group="adults", **NOV).json()
    assert body["columns"][4:] == [
        "Participants",
        "Passed 25%",
        "Passed 50%",
        "Passed 75%",
        "Completed (100%)",
    ]
    row = next(r for r in body["rows"] if r[0] == "Tantangan Baca Akhir November")
    assert row[4:] == [
        len(adults),
        *(sum(1 for p in adults if p * 100 >= band * 40) for band in (25, 50, 75)),
        sum(1 for p in adults if p >= 40),
    ]
    summary = get(client, world, "summary", challenge_id=cid, **NOV).json()
    assert summary["logs"] == 4 and summary["pages"] == 105
    (ch,) = summary["challenges"]
    done = sum(1 for p in progress.values() if p >= 40)
    assert (ch["participants"], ch["completions"]) == (4, done)
    assert ch["completion_rate"] == done / 4
    mid = sorted(min(p, 40) for p in progress.values())
    assert ch["median_progress"] == pytest.approx(min((mid[1] + mid[2]) / 2 / 40, 1), abs=1e-4)
