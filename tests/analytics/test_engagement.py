"""The share funnel: shares → landing views (crawlers apart) → clicks → registrations."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.analytics.traffic import MAX_VISITORS_PER_DAY, crawler_platform, prune_visitors
from app.models.analytics import ShareTally, ShareVisitor
from tests.analytics.test_summary import NOV, get

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
OTHER_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"


def shared(client, world):
    log = client.get("/v1/reading-logs", headers=world.headers["ana"]).json()["items"][0]
    r = client.post(
        "/v1/share",
        json={"subject": {"type": "reading_log", "id": log["id"]}, "platforms": ["x", "whatsapp"]},
        headers=world.headers["ana"],
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_the_funnel_counts_people_and_keeps_crawlers_apart(client, world):
    share = shared(client, world)
    path = urlsplit(share["url"]).path
    code = path.rsplit("/", 1)[1]
    for ua in (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
    ):
        assert client.get(path, headers={"User-Agent": ua}).status_code == 200
    fb = {"User-Agent": BROWSER, "Referer": "https://l.facebook.com/"}
    page = client.get(path, headers=fb)
    assert client.get(path, headers=fb).status_code == 200  # the same visitor again
    assert (
        client.get(
            path, params={"utm_source": "whatsapp"}, headers={"User-Agent": OTHER_BROWSER}
        ).status_code
        == 200
    )
    join = re.search(r'href="([^"]*/l/palu\?ref=[^"]+)"', page.text).group(1)
    assert join.endswith(f"?ref={code}")
    assert client.get(urlsplit(join).path, params={"ref": code}).status_code == 200
    r = client.post(
        "/v1/auth/register",
        json={
            "email": "sari.referral@example.org",
            "password": "Perpustakaan-Palu-2026!",
            "display_name": "Sari Wulandari",
            "birth_year": 1995,
            "library": "palu",
            "referral": code,
        },
    )
    assert r.status_code == 201, r.text

    body = get(client, world, "engagement", **NOV).json()
    assert (body["shares"], body["share_posts"]) == (1, 2)
    assert body["shares_by_platform"] == {"x": 1, "whatsapp": 1}
    assert body["shares_by_subject"] == {"reading_log": 1}
    assert (body["views"], body["unique_visitors"]) == (3, 2)
    assert body["views_by_platform"] == {
        "facebook": {"views": 2, "visitors": 1},
        "whatsapp": {"views": 1, "visitors": 1},
    }
    assert body["crawler_views"] == 2
    assert body["crawlers_by_platform"] == {"facebook": 1, "whatsapp": 1}
    assert (body["clicks"], body["registrations"]) == (1, 1)
    assert body["registrations_per_share"] == 1.0
    assert body["click_through_rate"] == 0.5
    # The new member is counted as registered too.
    before = len(world.people) + 1  # and the staff member
    assert get(client, world, "summary", **NOV).json()["new_members"] == before + 1


def test_views_grow_counters_not_tables(client, factory, world):
    share = shared(client, world)
    path = urlsplit(share["url"]).path
    for i in range(30):
        client.get(path, headers={"User-Agent": f"{BROWSER} v{i % 3}"})
    with factory.session() as s:
        tallies = s.execute(select(func.count()).select_from(ShareTally)).scalar_one()
        visitors = s.execute(select(func.count()).select_from(ShareVisitor)).scalar_one()
        views = s.execute(
            select(func.sum(ShareTally.count)).where(ShareTally.kind == "view")
        ).scalar_one()
    assert views == 30
    assert tallies == 2  # one row of views and one of visitors, for the day and platform
    assert visitors == 3
    with factory.session() as s:
        from datetime import date

        assert prune_visitors(s, date(2026, 11, 30)) == 3
        s.commit()
    assert MAX_VISITORS_PER_DAY >= 1000


def test_a_referral_of_another_library_or_unknown_counts_nothing(client, world):
    r = client.post(
        "/v1/auth/register",
        json={
            "email": "tono@example.org",
            "password": "Perpustakaan-Palu-2026!",
            "display_name": "Tono",
            "birth_year": 1990,
            "library": "semarang",
            "referral": "nope",
        },
    )
    assert r.status_code == 201, r.text
    bad = client.post(
        "/v1/auth/register",
        json={
            "email": "tini@example.org",
            "password": "Perpustakaan-Palu-2026!",
            "display_name": "Tini",
            "birth_year": 1990,
            "library": "palu",
            "referral": "<script>",
        },
    )
    assert bad.status_code == 422
    assert get(client, world, "engagement", **NOV).json()["registrations"] == 0


def test_crawlers_are_told_from_people():
    assert crawler_platform("Twitterbot/1.0") == "x"
    assert crawler_platform("TelegramBot (like TwitterBot)") == "telegram"
    assert crawler_platform("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)") == "slack"
    assert (
        crawler_platform("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)")
        == "discord"
    )
    assert crawler_platform(BROWSER) is None
    assert crawler_platform("") == ""
