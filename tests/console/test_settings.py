"""Library settings: colours and hashtags save at once; new scoring rules show the
re-settlement's dry run first and change nothing until staff confirm."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.console.helpers import sign_in


def _form(page: str) -> dict[str, str]:
    """The settings form's current values, as a browser would post them."""
    main = page.split('data-preview="/staff/preview/card.png"', 1)[1]
    fields = re.findall(r'<input (?![^>]*checkbox)[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', main)
    return dict(fields)


def _total(client, factory, member) -> int:
    return client.get("/v1/me/points", headers=factory.headers(member)).json()["total"]


def test_new_rules_show_the_dry_run_then_apply_on_confirm(client: TestClient, factory):
    lib = factory.library()
    reader = factory.member(lib)
    client.post(
        "/v1/reading-logs",
        json={"book": {"title": "Bumi Manusia"}, "pages": 40},
        headers=factory.headers(reader),
    )
    assert _total(client, factory, reader) == 40
    sign_in(client, factory.staff(lib).email)
    form = _form(client.get("/staff/settings").text)
    assert form["points_per_page"] == "1"
    dry = client.post("/staff/settings", data={**form, "points_per_page": "2", "action": "preview"})
    assert dry.status_code == 200
    assert "1 anggota akan bertambah poinnya" in dry.text
    assert "0 anggota akan berkurang poinnya" in dry.text
    assert _total(client, factory, reader) == 40  # nothing changed yet
    assert client.get(f"/v1/libraries/{lib.slug}").json()["scoring"]["points_per_page"] == 1
    # Even "save" without the confirmation only shows the dry run.
    unconfirmed = client.post(
        "/staff/settings", data={**form, "points_per_page": "2", "action": "save"}
    )
    assert "akan bertambah" in unconfirmed.text
    assert _total(client, factory, reader) == 40
    confirmed = client.post(
        "/staff/settings",
        data={**form, "points_per_page": "2", "action": "save", "confirm": "yes"},
    )
    assert "Tersimpan." in confirmed.text
    assert client.get(f"/v1/libraries/{lib.slug}").json()["scoring"]["points_per_page"] == 2
    assert _total(client, factory, reader) == 80


def test_colours_and_hashtags_save_and_bad_values_are_refused(client: TestClient, factory):
    lib = factory.library()
    sign_in(client, factory.staff(lib).email)
    form = _form(client.get("/staff/settings").text)
    saved = client.post(
        "/staff/settings",
        data={**form, "primary_color": "#224466", "hashtags": "#BacaPalu, #LiterasiPalu"},
    )
    assert "Tersimpan." in saved.text
    public = client.get(f"/v1/libraries/{lib.slug}").json()
    assert public["primary_color"] == "#224466"
    assert public["hashtags"] == ["#BacaPalu", "#LiterasiPalu"]
    assert public["staff_on_boards"] is False
    client.post("/staff/settings", data={**form, "staff_on_boards": "1"})
    assert client.get(f"/v1/libraries/{lib.slug}").json()["staff_on_boards"] is True
    bad = client.post(
        "/staff/settings", data={**form, "timezone": "Mars/Base", "daily_cap_pages": "0"}
    )
    assert bad.status_code == 422
    assert client.get(f"/v1/libraries/{lib.slug}").json()["timezone"] == lib.timezone


def test_settings_without_the_form_token_change_nothing(client: TestClient, factory):
    lib = factory.library()
    sign_in(client, factory.staff(lib).email)
    form = _form(client.get("/staff/settings").text)
    form.pop("csrf_token")
    r = client.post("/staff/settings", data={**form, "primary_color": "#000000"})
    assert r.status_code == 403
    assert client.get(f"/v1/libraries/{lib.slug}").json()["primary_color"] == lib.primary_color
