"""Sharing through the API: payloads per platform, landing pages, cards, privacy, 404/410."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core.db import transaction
from app.models.analytics import ShareTally
from app.models.share import Share, ShareEvent
from app.services.badges import ensure_demo_badges
from tests.factories import november_challenge

ALL = ["x", "facebook", "instagram", "tiktok", "whatsapp", "telegram", "threads"]
LONG_TITLE = (
    "Kisah Panjang Sekali tentang Perjalanan Seorang Anak Pesisir Sulawesi Tengah yang "
    "Menemukan Perpustakaan Kota dan Membaca Ratusan Buku 📚🇮🇩 " * 2
).strip()


@pytest.fixture
def palu(factory):
    lib = factory.library(
        "palu",
        name="Perpustakaan Kota Palu",
        hashtags=[
            "#PerpustakaanPalu",
            "#LiterasiDigital",
            "#BukuUntukSemua",
            "#BacaPalu",
            "#PaluMembaca",
            "#SulawesiTengah",
        ],
    )
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    return lib


def finished_log(client, h, title=LONG_TITLE, **kw):
    body = {"book": {"title": title, "genre": "novel"}, "pages": 120, "finished": True, **kw}
    r = client.post("/v1/reading-logs", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def share(client, h, subject, platforms=ALL, language=None):
    body = {"subject": subject, "platforms": platforms}
    if language:
        body["language"] = language
    return client.post("/v1/share", json=body, headers=h)


def test_share_a_finished_book_on_every_platform(client, factory, palu):
    reader = factory.member(palu, display_name="Dewi Anggraini")
    h = factory.headers(reader)
    log = finished_log(client, h)
    r = share(client, h, {"type": "reading_log", "id": log["log"]["id"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["url"].startswith("http://127.0.0.1:8000/s/")
    payloads = body["payloads"]
    assert set(payloads) == set(ALL)
    for p in payloads.values():
        assert p["char_count"] <= p["char_limit"]
        assert len({t.casefold() for t in p["hashtags"]}) == len(p["hashtags"])
    x = payloads["x"]
    assert x["char_limit"] == 280
    query = parse_qs(urlsplit(x["url"]).query)
    assert query["text"] == [x["text"]]
    assert query["url"] == [body["url"]]
    assert len(payloads["instagram"]["hashtags"]) <= 5
    assert payloads["instagram"]["image_url"] == body["images"]["story"]
    assert payloads["instagram"]["url"] is None
    assert len(payloads["threads"]["hashtags"]) == 1
    wa = parse_qs(urlsplit(payloads["whatsapp"]["url"]).query)["text"][0]
    assert wa == payloads["whatsapp"]["text"]
    assert "#PerpustakaanPalu" in x["hashtags"]


def test_badge_share_counts_towards_shares(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finished_log(client, h, title="Cantik Itu Luka")
    badge_id = log["badges_earned"][0]["id"]
    r = share(client, h, {"type": "badge", "id": badge_id}, ["x", "whatsapp"], "en")
    assert r.status_code == 201, r.text
    assert "Buku Pertama" in r.json()["payloads"]["x"]["text"]
    with factory.session() as s:
        events = (
            s.execute(select(ShareEvent.platform).where(ShareEvent.kind == "share")).scalars().all()
        )
    assert sorted(events) == ["whatsapp", "x"]
    locked = client.get("/v1/me/badges", headers=h).json()
    assert any(b["badge"]["name"] == "Buku Pertama" for b in locked["earned"])


def test_landing_page_has_absolute_open_graph_tags(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finished_log(client, h, title="Bumi Manusia")
    created = share(client, h, {"type": "reading_log", "id": log["log"]["id"]}).json()
    page = client.get(urlsplit(created["url"]).path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for prop in ("og:title", "og:description", "og:image", "og:url"):
        m = re.search(rf'<meta property="{prop}" content="([^"]+)"', html)
        assert m, prop
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og_image.startswith("http://127.0.0.1:8000/v1/share/")
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert "/l/palu" in html
    with factory.session() as s:
        views = s.execute(
            select(func.sum(ShareTally.count)).where(ShareTally.kind == "view")
        ).scalar_one()
    assert views == 1
    join = client.get("/l/palu")
    assert join.status_code == 200 and "Perpustakaan Kota Palu" in join.text


@pytest.mark.parametrize(
    ("fmt", "size"), [("story", (1080, 1920)), ("square", (1080, 1080)), ("og", (1200, 630))]
)
def test_cards_have_their_sizes_and_stay_small(client, factory, palu, fmt, size):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finished_log(client, h)
    created = share(client, h, {"type": "reading_log", "id": log["log"]["id"]}, ["x"]).json()
    path = urlsplit(created["images"][fmt])
    r = client.get(path.path, params=parse_qs(path.query))  # no token needed
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert len(r.content) < 300_000
    assert Image.open(io.BytesIO(r.content)).size == size
    again = client.get(path.path, params=parse_qs(path.query))
    assert again.content == r.content


def test_childs_share_shows_the_nickname_only(client, factory, palu):
    parent = factory.member(palu)
    child = factory.child(parent, nickname="Kancil")
    h = factory.child_headers(parent, child)
    log = finished_log(client, h, title="Si Kancil")
    created = share(client, h, {"type": "reading_log", "id": log["log"]["id"]})
    assert created.status_code == 201
    dump = created.text
    page = client.get(urlsplit(created.json()["url"]).path).text
    with factory.session() as s:
        from app.models.member import Member

        full = s.get(Member, child.id)
    for secret in (full.display_name, full.school, str(full.birth_year)):
        assert secret not in dump
        assert secret not in page
    assert "Kancil" in dump and "Kancil" in page


def test_guardian_shares_for_own_child_only(client, factory, palu):
    parent = factory.member(palu)
    child = factory.child(parent)
    log = finished_log(client, factory.child_headers(parent, child), title="Timun Mas")
    h = factory.headers(parent)
    ok = share(client, h, {"type": "reading_log", "id": log["log"]["id"], "member_id": child.id})
    assert ok.status_code == 201
    stranger = factory.member(palu)
    r = share(
        client,
        factory.headers(stranger),
        {"type": "reading_log", "id": log["log"]["id"], "member_id": child.id},
    )
    assert r.status_code == 404
    r = share(client, factory.headers(stranger), {"type": "reading_log", "id": log["log"]["id"]})
    assert r.status_code == 404


def test_unearned_badge_and_bad_input_are_refused(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    with factory.session() as s:
        before = s.execute(select(func.count()).select_from(Share)).scalar_one()
    assert share(client, h, {"type": "badge", "id": 1}).status_code == 404
    assert share(client, h, {"type": "badge"}).status_code == 422
    assert share(client, h, {"type": "reading_log", "id": 1}, ["myspace"]).status_code == 422
    assert share(client, h, {"type": "trophy", "id": 1}).status_code == 422
    assert share(client, h, {"type": "monthly_summary"}, []).status_code == 422
    with factory.session() as s:
        assert s.execute(select(func.count()).select_from(Share)).scalar_one() == before


def test_monthly_summary_and_challenge_progress(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    staff = factory.staff(palu)
    ch = client.post(
        "/v1/challenges",
        json=november_challenge(target=500),
        headers=factory.headers(staff),
    ).json()
    finished_log(client, h, title="Laut Bercerita", hashtags=["#TantanganBacaNovember"])
    r = share(client, h, {"type": "challenge", "id": ch["id"]}, ["x", "threads"])
    assert r.status_code == 201, r.text
    x = r.json()["payloads"]["x"]
    assert "#TantanganBacaNovember" in x["hashtags"]
    assert r.json()["payloads"]["threads"]["hashtags"] == ["#TantanganBacaNovember"]
    summary = share(client, h, {"type": "monthly_summary"}, ["facebook"])
    assert summary.status_code == 201
    assert "November" in summary.json()["payloads"]["facebook"]["text"]


def test_deleted_share_is_gone(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finished_log(client, h)
    created = share(client, h, {"type": "reading_log", "id": log["log"]["id"]}, ["x"]).json()
    other = factory.member(palu)
    r = client.delete(f"/v1/share/{created['id']}", headers=factory.headers(other))
    assert r.status_code == 404
    assert client.delete(f"/v1/share/{created['id']}", headers=h).status_code == 204
    page = client.get(urlsplit(created["url"]).path)
    assert page.status_code == 410
    assert "text/html" in page.headers["content-type"]
    img = client.get(f"/v1/share/{created['id']}/image", params={"format": "og"})
    assert img.status_code == 410
    assert client.get("/s/tidak-ada-sama-sekali").status_code == 404


def test_share_a_leaderboard_rank(client, factory, palu):
    first, second = factory.member(palu), factory.member(palu)
    finished_log(client, factory.headers(first), title="Ronggeng", pages=200)
    finished_log(client, factory.headers(second), title="Pulang", pages=50)
    r = share(
        client,
        factory.headers(second),
        {"type": "leaderboard_rank", "period": "week"},
        ["x", "whatsapp"],
    )
    assert r.status_code == 201, r.text
    assert "#2" in r.json()["payloads"]["x"]["text"] or "2" in r.json()["payloads"]["x"]["text"]
    nobody = factory.member(palu)
    r = share(client, factory.headers(nobody), {"type": "leaderboard_rank"}, ["x"])
    assert r.status_code == 409


def test_child_privacy_on_every_subject(client, factory, palu):
    parent = factory.member(palu)
    child = factory.child(parent, nickname="Kancil")
    h = factory.child_headers(parent, child)
    staff = factory.staff(palu)
    ch = client.post(
        "/v1/challenges",
        json={
            "title": "Tantangan Anak",
            "hashtag": "#BacaAnakPalu",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "goal": "books",
            "target": 1,
            "bonus_points": 5,
        },
        headers=factory.headers(staff),
    ).json()
    log = finished_log(client, h, title="Malin Kundang", hashtags=["#BacaAnakPalu"])
    subjects = [
        {"type": "reading_log", "id": log["log"]["id"]},
        {"type": "badge", "id": log["badges_earned"][0]["id"]},
        {"type": "challenge", "id": ch["id"]},
        {"type": "monthly_summary"},
        {"type": "leaderboard_rank", "period": "month"},
    ]
    with factory.session() as s:
        from app.models.member import Member

        full = s.get(Member, child.id)
    secrets_ = [full.display_name, full.school, str(full.birth_year)]
    for subject in subjects:
        r = share(client, h, subject)
        assert r.status_code == 201, (subject, r.text)
        page = client.get(urlsplit(r.json()["url"]).path).text
        for secret in secrets_:
            assert secret not in r.text, (subject, secret)
            assert secret not in page, (subject, secret)
        assert "Kancil" in r.json()["payloads"]["whatsapp"]["text"]


def test_a_retried_share_is_made_and_counted_once(client, factory, palu):
    reader = factory.member(palu)
    h = factory.headers(reader)
    log = finished_log(client, h, title="Sang Pemimpi")
    retry = {**h, "Idempotency-Key": "share-1"}
    body = {"subject": {"type": "reading_log", "id": log["log"]["id"]}, "platforms": ["x"]}
    first = client.post("/v1/share", json=body, headers=retry)
    second = client.post("/v1/share", json=body, headers=retry)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    with factory.session() as s:
        from app.models.member import Member

        assert s.execute(select(func.count()).select_from(Share)).scalar_one() == 1
        assert s.get(Member, reader.id).shares_total == 1
    other = {**body, "platforms": ["whatsapp"]}
    assert client.post("/v1/share", json=other, headers=retry).status_code == 422
