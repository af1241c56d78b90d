"""Summary and time series: the API's figures equal what the test works out from its logs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models.member import Member

PROBLEM = "application/problem+json"
NOV = {"start": "2026-11-01", "end": "2026-11-30"}


def get(client, world, path, who="staff", **params):
    return client.get(f"/v1/analytics/{path}", params=params, headers=world.headers[who])


def test_a_months_summary_equals_the_logs(client, factory, world):
    r = get(client, world, "summary", **NOV)
    assert r.status_code == 200, r.text
    body = r.json()
    logs = world.logs_between(date(2026, 11, 1), date(2026, 11, 30))
    assert body["library"] == "palu"
    assert body["logs"] == len(logs) == 6
    assert body["pages"] == sum(s.pages for s in logs)
    assert body["minutes"] == sum(s.minutes for s in logs)
    assert body["books_finished"] == sum(1 for s in logs if s.finished)
    reading, bonus = world.points(factory, date(2026, 11, 1), date(2026, 11, 30))
    assert body["points"] == {"reading": reading, "bonus": bonus, "total": reading + bonus}
    assert bonus > 0  # three finished books
    readers = {s.member for s in logs}
    assert body["active_readers"]["month"] == {
        "average": float(len(readers)),
        "peak": len(readers),
        "periods": 1,
    }
    busiest = max(
        len({s.member for s in logs if s.read_on == d}) for d in {s.read_on for s in logs}
    )
    assert body["active_readers"]["day"]["peak"] == busiest == 4
    assert body["active_readers"]["day"]["periods"] == 30
    # Everyone but Ana (who read in October first) read for the first time.
    assert body["first_time_readers"] == len(readers - {"ana"})
    with factory.session() as s:
        registered = s.execute(
            select(func.count()).select_from(Member).where(Member.library_id == world.palu.id)
        ).scalar_one()
    assert body["members"] == body["new_members"] == registered
    assert body["pending_review"] == 0
    assert body["challenges"] == []


def test_a_filter_narrows_the_figures_to_its_cell(client, world):
    teens = get(client, world, "summary", age_group="teens", **NOV).json()
    assert (teens["logs"], teens["pages"]) == (1, 15)
    school = get(client, world, "summary", school="SMA Negeri 1", age_group="adults", **NOV)
    body = school.json()
    expected = [s for s in world.sent if s.member in ("ana", "budi") and s.read_on.month == 11]
    assert body["logs"] == len(expected) and body["pages"] == sum(s.pages for s in expected)
    assert body["members"] == 2


def test_small_cells_of_children_read_fewer_than_5(client, world):
    kids = get(client, world, "summary", age_group="kids", **NOV).json()
    assert kids["members"] == "fewer than 5"
    assert kids["pages"] == "fewer than 5"
    assert kids["active_readers"]["month"]["peak"] == "fewer than 5"
    # A school's members of all ages are a cell that can pick out a child.
    school = get(client, world, "summary", school="SD Negeri 1", **NOV).json()
    assert school["members"] == "fewer than 5" and school["logs"] == "fewer than 5"
    # Nobody to pick out: zero stays a number.
    assert (
        get(
            client, world, "summary", age_group="kids", start="2026-10-01", end="2026-10-31"
        ).json()["logs"]
        == 0
    )


def test_daily_series_with_the_previous_period(client, world):
    r = get(
        client,
        world,
        "timeseries",
        metric="pages",
        interval="day",
        start="2026-11-10",
        end="2026-11-17",
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["compare_period"] == {"start": "2026-11-02", "end": "2026-11-09"}
    by_day = {p["start"]: p["value"] for p in body["points"]}
    assert len(by_day) == 8
    for d, v in by_day.items():
        assert v == sum(s.pages for s in world.sent if s.read_on.isoformat() == d), d
    assert body["total"] == sum(by_day.values())
    assert all(p["compare_value"] == 0 and p["change"] is None for p in body["points"])


def test_monthly_series_says_how_much_november_rose(client, world):
    body = get(client, world, "timeseries", metric="pages", interval="month", **NOV).json()
    (point,) = body["points"]
    nov = sum(s.pages for s in world.sent if s.read_on.month == 11)
    oct_ = sum(s.pages for s in world.sent if s.read_on.month == 10)
    assert (point["value"], point["compare_value"]) == (nov, oct_)
    assert point["compare_start"] == "2026-10-01"
    assert point["change"] == pytest.approx((nov - oct_) / oct_, abs=1e-4)
    last_year = get(
        client, world, "timeseries", metric="pages", interval="month", compare="last_year", **NOV
    ).json()
    assert last_year["compare_period"]["start"] == "2025-11-01"
    assert last_year["points"][0]["compare_value"] == 0


def test_weekly_active_readers_count_each_reader_once(client, world):
    body = get(
        client,
        world,
        "timeseries",
        metric="active_readers",
        interval="week",
        start="2026-11-09",
        end="2026-11-22",
    ).json()
    weeks = {p["start"]: p["value"] for p in body["points"]}
    for monday in ("2026-11-09", "2026-11-16"):
        lo = date.fromisoformat(monday)
        readers = {s.member for s in world.sent if 0 <= (s.read_on - lo).days < 7}
        assert weeks[monday] == len(readers)
    assert weeks["2026-11-16"] == 4  # ana (twice), budi, dewi and kid1
    assert body["total"] is None


def test_an_administrator_reads_any_library_and_all_side_by_side(client, world):
    one = get(client, world, "summary", who="admin", library="palu", **NOV)
    assert one.status_code == 200 and one.json()["logs"] == 6
    assert get(client, world, "summary", who="admin", **NOV).status_code == 422
    both = get(client, world, "libraries", who="admin", **NOV).json()
    assert [s["library"] for s in both["libraries"]] == ["palu", "semarang"]
    assert both["libraries"][1]["logs"] == 0
    assert get(client, world, "libraries", **NOV).status_code == 403


def test_members_and_other_libraries_staff_are_refused(client, world):
    for who in ("ana", "kid1"):
        r = get(client, world, "summary", who=who)
        assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    r = get(client, world, "summary", who="other_staff", library="palu")
    assert r.status_code == 403
    assert get(client, world, "summary", library="semarang").status_code == 403
    assert client.get("/v1/analytics/summary").status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("timeseries", {"metric": "happiness"}, "metric"),
        ("timeseries", {"metric": "pages", "interval": "year"}, "interval"),
        ("summary", {"age_group": "toddlers"}, "age_group"),
        ("summary", {"start": "2026-11-20", "end": "2026-11-01"}, "start"),
        ("summary", {"start": "2020-01-01", "end": "2026-11-01"}, "start"),
        ("summary", {"school": "SMA Negeri 99"}, "school"),
        ("summary", {"start": "2026-13-01"}, "start"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, world, path, params, field):
    r = get(client, world, path, **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert any(e["field"].split(".")[-1] == field for e in r.json()["errors"])


def test_another_librarys_challenge_is_refused(client, factory, world):
    r = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan Semarang",
            "hashtag": "#TantanganSemarang",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "pages",
            "target": 100,
        },
        headers=world.headers["other_staff"],
    )
    assert r.status_code == 201, r.text
    bad = get(client, world, "summary", challenge_id=r.json()["id"])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "challenge_id"


def test_the_review_queue_counts_what_waits(client, world):
    r = client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Buku Tebal", "author": "Penulis"}, "pages": 600},
        headers=world.headers["citra"],
    )
    assert r.status_code == 201 and r.json()["log"]["status"] == "pending_review"
    assert get(client, world, "summary", **NOV).json()["pending_review"] == 1
    assert get(client, world, "summary", age_group="adults", **NOV).json()["pending_review"] == 1
    assert get(client, world, "summary", age_group="teens", **NOV).json()["pending_review"] == 0


@pytest.mark.parametrize(
    ("start", "end", "age_group"),
    [
        ("2026-10-15", "2026-11-16", None),  # across months: Ana read in both
        ("2026-11-10", "2026-11-17", None),  # Tuesday to Tuesday: Ana on two days
        ("2026-10-01", "2026-12-31", None),  # a whole quarter and what follows it
        ("2026-10-15", "2026-11-17", "adults"),
        ("2026-11-01", "2026-11-17", None),  # this month so far (read from the rollups)
        ("2026-11-16", "2026-11-17", None),  # this week so far (read from the rollups)
        ("2026-11-17", "2026-11-17", None),
    ],
)
def test_distinct_readers_of_any_range_count_each_member_once(client, world, start, end, age_group):
    lo, hi = date.fromisoformat(start), date.fromisoformat(end)
    adults = {"ana", "budi", "citra"}
    logs = [s for s in world.logs_between(lo, hi) if age_group is None or s.member in adults]
    params = {"start": start, "end": end} | ({"age_group": age_group} if age_group else {})
    body = get(client, world, "summary", **params).json()
    assert body["active_readers"]["distinct"] == len({s.member for s in logs})


def test_distinct_readers_are_not_the_sum_of_each_days_readers(client, world):
    body = get(client, world, "summary", start="2026-10-15", end="2026-11-16").json()
    daily = {
        (s.member, s.read_on) for s in world.logs_between(date(2026, 10, 15), date(2026, 11, 16))
    }
    assert len(daily) == 3  # Ana on 20 October and 16 November, Citra on 10 November
    assert body["active_readers"]["distinct"] == 2


def test_a_childs_distinct_readers_are_a_small_cell(client, world):
    kids = get(client, world, "summary", age_group="kids", start="2026-10-15", end="2026-11-17")
    assert kids.json()["active_readers"]["distinct"] == "fewer than 5"
