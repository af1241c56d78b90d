"""The public pages a visitor lands on: a share's page and a library's page convert
(store links, sign-up with the share's code, this month's challenge and top readers,
dates as people write them), and their validators spare a second download."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.core.db import transaction
from app.main import create_app
from app.models.analytics import ShareTally, ShareVisitor
from app.services.badges import ensure_demo_badges
from tests.factories import november_challenge

PLAY = "https://play.google.com/store/apps/details?id=id.bacaquest.app"
APPLE = "https://apps.apple.com/id/app/bacaquest/id6450000001"
BROWSER = "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture
def palu(factory):
    lib = factory.library("palu", name="Perpustakaan Kota Palu")
    with transaction(factory.engine) as s:
        ensure_demo_badges(s, s.merge(lib), factory.clock.now())
    return lib


@pytest.fixture
def staff_h(factory, palu):
    return factory.headers(factory.staff(palu))


def set_links(client, h, **links):
    return client.patch("/v1/libraries/palu", json=links, headers=h)


def log(client, h, pages=40, minutes=30):
    body = {"book": {"title": "Laskar Pelangi", "genre": "novel"}, "pages": pages}
    r = client.post("/v1/reading-logs", json={**body, "minutes": minutes}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def shared(client, h):
    entry = log(client, h)
    body = {"subject": {"type": "reading_log", "id": entry["log"]["id"]}, "platforms": ["x"]}
    r = client.post("/v1/share", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def links_in(html: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'<a [^>]*href="([^"]+)"', html)]


@pytest.mark.parametrize(
    "links",
    [
        {"play_store_url": "http://play.google.com/store/apps/details?id=x"},
        {"play_store_url": "https://play.google.com.evil.example/store/apps/details?id=x"},
        {"play_store_url": "https://example.org/store/apps/details?id=x"},
        {"play_store_url": "javascript:alert(1)"},
        {"app_store_url": "https://apps.apple.com@evil.example/app/x"},
        {"app_store_url": "https://play.google.com/store/apps/details?id=x"},
        {"app_store_url": "https://apps.apple.com:8443/id/app/x"},
        {"app_store_url": "https://apps.apple.com/" + "x" * 400},
    ],
)
def test_store_links_must_be_the_stores_pages(client, staff_h, links):
    r = set_links(client, staff_h, **links)
    assert r.status_code == 422, r.text
    assert client.get("/v1/libraries/palu").json()["play_store_url"] is None


def test_staff_set_and_clear_store_links_members_cannot(client, factory, palu, staff_h):
    reader = factory.headers(factory.member(palu))
    assert set_links(client, reader, play_store_url=PLAY).status_code == 403
    r = set_links(client, staff_h, play_store_url=PLAY, app_store_url=APPLE)
    assert r.status_code == 200, r.text
    assert (r.json()["play_store_url"], r.json()["app_store_url"]) == (PLAY, APPLE)
    # Other settings untouched by a later edit; null takes a link away.
    r = set_links(client, staff_h, name="Perpustakaan Kota Palu Baru", app_store_url=None)
    assert (r.json()["play_store_url"], r.json()["app_store_url"]) == (PLAY, None)


def test_share_page_downloads_and_join_carry_the_share_code(client, factory, palu, staff_h):
    set_links(client, staff_h, play_store_url=PLAY, app_store_url=APPLE)
    created = shared(client, factory.headers(factory.member(palu)))
    code = created["id"]
    html = client.get(f"/s/{code}").text
    assert "Unduh aplikasi BacaQuest" in html
    hrefs = links_in(html)
    play = next(u for u in hrefs if u.startswith(PLAY))
    # Google Play hands `referrer` to the app at its first start.
    assert parse_qs(urlsplit(play).query)["referrer"] == [f"ref={code}"]
    assert APPLE in hrefs
    assert f"http://127.0.0.1:8000/l/palu?ref={code}" in hrefs


def test_share_page_without_store_links_still_invites_to_join(client, factory, palu):
    created = shared(client, factory.headers(factory.member(palu)))
    html = client.get(f"/s/{created['id']}").text
    assert "play.google.com" not in html and "apps.apple.com" not in html
    assert f"/l/palu?ref={created['id']}" in html


def test_library_page_converts(client, factory, palu, staff_h):
    set_links(client, staff_h, play_store_url=PLAY, app_store_url=APPLE)
    challenge = november_challenge(ends_on="2026-12-01")
    assert client.post("/v1/challenges", json=challenge, headers=staff_h).status_code == 201
    ref = shared(client, factory.headers(factory.member(palu)))["id"]

    page = client.get("/l/palu", params={"ref": ref})
    assert page.status_code == 200
    html = page.text
    assert "Tantangan Baca November" in html
    assert "1 November 2026 s.d. 1 Desember 2026" in html
    assert "2026-11-01" not in html and "2026-12-01" not in html
    play = next(u for u in links_in(html) if u.startswith(PLAY))
    assert parse_qs(urlsplit(play).query)["referrer"] == [f"ref={ref}"]
    assert APPLE in links_in(html)
    assert f'data-referral="{ref}"' in html and "Kode undangan" in html

    english = client.get("/l/palu", params={"lang": "en"}).text
    assert "1 November 2026 to 1 December 2026" in english
    assert "Top readers this month" in english and "Get it on Google Play" in english


def test_top_readers_by_nickname_never_children_nor_the_opted_out(client, factory, palu):
    adult = factory.member(palu, nickname="KutuBuku", display_name="Siti Rahmawati")
    nameless = factory.member(palu, display_name="Budi Santoso")
    teen = factory.member(palu, age=15, nickname="Rajawali", display_name="Dewi Anggraini")
    hidden = factory.member(
        palu, nickname="Diam", display_name="Rudi Hartono", leaderboard_opt_out=True
    )
    guardian = factory.member(palu, display_name="Ibu Kartini")
    child = factory.child(guardian, nickname="Kancil")
    log(client, factory.headers(adult), pages=60, minutes=60)
    log(client, factory.headers(nameless), pages=40, minutes=40)
    log(client, factory.headers(teen), pages=20, minutes=20)
    log(client, factory.headers(hidden), pages=90, minutes=60)
    log(client, factory.child_headers(guardian, child), pages=100, minutes=60)

    html = client.get("/l/palu").text
    board = re.search(r'<ol class="readers">(.*?)</ol>', html, re.S)
    assert board, html
    rows = re.findall(r'<li value="(\d+)"><strong>([^<]+)</strong> · ([^<]+)</li>', board.group(1))
    assert [(rank, name) for rank, name, _ in rows] == [
        ("1", "KutuBuku"),
        ("2", "Pembaca"),
        ("3", "Rajawali"),
    ]
    assert rows[0][2].endswith("poin")
    for never in ("Kancil", "Anak Lengkap", "Diam", "Rudi", "Budi", "Siti", "Dewi"):
        assert never not in board.group(1)


def test_pages_and_cards_carry_strong_validators(client, factory, palu):
    member = factory.member(palu)
    h = factory.headers(member)
    code = shared(client, h)["id"]
    for path in (f"/s/{code}", f"/v1/share/{code}/image?format=og"):
        first = client.get(path)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
        assert "no-cache" in first.headers["cache-control"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # Withdrawn: served from memory a moment ago, gone at once now, validators or not.
    assert client.delete(f"/v1/share/{code}", headers=h).status_code == 204
    for path in (f"/s/{code}", f"/v1/share/{code}/image?format=og"):
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 410
        assert client.get(path).status_code == 410


def test_a_store_link_change_reaches_a_page_already_built(client, factory, palu, staff_h):
    code = shared(client, factory.headers(factory.member(palu)))["id"]
    before = client.get(f"/s/{code}")
    assert "play.google.com" not in before.text
    set_links(client, staff_h, play_store_url=PLAY)
    after = client.get(f"/s/{code}", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "play.google.com" in after.text


def test_views_are_added_up_in_memory_and_agree_across_processes(
    factory, palu, settings, engine, clock
):
    """Two app processes (two view counters) batch their views: no row per view, the
    counts add up, and a visitor seen by both is one visitor."""
    batched = settings.model_copy(update={"share_view_flush_seconds": 60})
    one, two = (create_app(batched, engine=engine, clock=clock) for _ in range(2))
    with TestClient(one) as a, TestClient(two) as b:
        code = shared(a, factory.headers(factory.member(palu)))["id"]
        for i in range(40):
            ua = f"{BROWSER} v{i % 4}"
            assert (a if i % 2 else b).get(
                f"/s/{code}", headers={"User-Agent": ua}
            ).status_code == 200
        with factory.session() as s:
            assert s.query(ShareTally).count() == 0  # nothing written per view
        assert one.state.share_views.flush() == 20
        assert two.state.share_views.flush() == 20
        with factory.session() as s:
            tallies = {(t.kind, t.platform): t.count for t in s.query(ShareTally).all()}
            assert tallies == {("view", ""): 40, ("visitor", ""): 4}
            assert s.query(ShareVisitor).count() == 4
        b.get(f"/s/{code}", headers={"User-Agent": "WhatsApp/2.23.20.0"})
    # Shutting down writes what is left.
    with factory.session() as s:
        crawler = s.query(ShareTally).filter_by(kind="crawler").one()
        assert (crawler.platform, crawler.count) == ("whatsapp", 1)
