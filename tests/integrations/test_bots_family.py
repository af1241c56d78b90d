"""The bots for families and events: a guardian logs a child's reading by the child's
name, events are listed and registered for in chat, and opted-in members (guardians for
their children) are reminded when a streak would break today, once a day."""

from __future__ import annotations

from datetime import UTC, datetime

from app.integrations.bots import reminders
from tests.integrations.test_bots import link_code, telegram, whatsapp


def linked(bot_client, factory, member, chat: int) -> None:
    code = link_code(bot_client, factory, member)
    telegram(bot_client, chat * 1000, f"hubungkan {code}", chat=chat)


def logs_of(client, factory, guardian, child=None):
    params = {"member_id": child.id} if child else {}
    r = client.get("/v1/reading-logs", params=params, headers=factory.headers(guardian))
    return [(x["pages"], x["book"]["title"]) for x in r.json()["items"]]


def test_a_guardian_logs_for_their_own_child_by_name(bot_client, factory, platforms):
    lib = factory.library()
    parent, other = factory.member(lib), factory.member(lib)
    kancil = factory.child(parent, nickname="Kancil")
    stranger = factory.child(other, nickname="Rusa")
    linked(bot_client, factory, parent, 777)

    telegram(bot_client, 1, "baca 15 halaman Si Kancil untuk kancil", chat=777)
    assert platforms.texts("telegram")[-1].startswith("Tercatat untuk Kancil: 15 halaman")
    assert logs_of(bot_client, factory, parent, kancil) == [(15, "Si Kancil")]
    assert logs_of(bot_client, factory, parent) == []
    points = bot_client.get("/v1/me/points", headers=factory.child_headers(parent, kancil))
    assert points.json()["total"] == 15

    # Another family's child is not found, and nothing is logged for anyone.
    telegram(bot_client, 2, "baca 10 halaman Si Kancil untuk Rusa", chat=777)
    assert "Tidak ada anak bernama" in platforms.texts("telegram")[-1]
    assert logs_of(bot_client, factory, other, stranger) == []
    assert logs_of(bot_client, factory, parent) == []
    # A quoted title keeps its "untuk": the guardian's own log.
    telegram(bot_client, 3, 'baca 12 halaman "Surat untuk Ibu"', chat=777)
    assert logs_of(bot_client, factory, parent) == [(12, "Surat untuk Ibu")]


def test_untuk_is_part_of_the_title_for_a_reader_without_children(bot_client, factory, platforms):
    reader = factory.member(factory.library())
    linked(bot_client, factory, reader, 778)
    telegram(bot_client, 1, "baca 10 halaman Surat untuk Ibu selesai", chat=778)
    assert logs_of(bot_client, factory, reader) == [(10, "Surat untuk Ibu")]


def test_a_child_whose_consent_was_withdrawn_gets_nothing_new(bot_client, factory, platforms):
    parent = factory.member(factory.library())
    child = factory.child(parent, nickname="Kancil")
    linked(bot_client, factory, parent, 779)
    h = factory.headers(parent)
    assert bot_client.delete(f"/v1/me/children/{child.id}/consent", headers=h).status_code == 204

    telegram(bot_client, 1, "baca 15 halaman Si Kancil untuk Kancil", chat=779)
    assert "Persetujuan wali" in platforms.texts("telegram")[-1]
    assert logs_of(bot_client, factory, parent, child) == []


def event(bot_client, factory, staff, **kw):
    body = {
        "title": "Bedah Buku Laskar Pelangi",
        "kind": "discussion",
        "place": "Aula",
        "starts_local": "2026-11-20T14:00",
        "ends_local": "2026-11-20T16:00",
        **kw,
    }
    r = bot_client.post("/v1/events", json=body, headers=factory.headers(staff))
    assert r.status_code == 201, r.text
    return r.json()


def test_events_are_listed_and_registered_for_in_chat(bot_client, factory, platforms):
    lib = factory.library()
    staff, reader, other = factory.staff(lib), factory.member(lib), factory.member(lib)
    ev = event(bot_client, factory, staff, capacity=1)
    linked(bot_client, factory, reader, 780)
    linked(bot_client, factory, other, 781)

    telegram(bot_client, 1, "acara", chat=780)
    listing = platforms.texts("telegram")[-1]
    assert f"[{ev['id']}] Bedah Buku Laskar Pelangi" in listing and "sisa 1 tempat" in listing
    telegram(bot_client, 2, f"daftar {ev['id']}", chat=780)
    assert platforms.texts("telegram")[-1].startswith("Terdaftar")
    telegram(bot_client, 3, f"daftar {ev['id']}", chat=781)
    assert "daftar tunggu, nomor 1" in platforms.texts("telegram")[-1]
    got = bot_client.get(f"/v1/events/{ev['id']}", headers=factory.headers(reader)).json()
    assert got["me"]["status"] == "registered" and got["waitlisted"] == 1

    telegram(bot_client, 4, f"batal {ev['id']}", chat=780)
    assert "dibatalkan" in platforms.texts("telegram")[-1]
    moved = bot_client.get(f"/v1/events/{ev['id']}", headers=factory.headers(other)).json()
    assert moved["me"]["status"] == "registered"
    # Refusals are said in chat and change nothing.
    telegram(bot_client, 5, "daftar 999999", chat=780)
    assert "Maaf" in platforms.texts("telegram")[-1]
    telegram(bot_client, 6, "daftar besok", chat=780)
    assert platforms.texts("telegram")[-1].startswith("Tulis seperti ini")


def test_a_guardian_registers_a_child_for_an_event(bot_client, factory, platforms):
    lib = factory.library()
    staff, parent = factory.staff(lib), factory.member(lib)
    child = factory.child(parent, nickname="Kancil")
    ev = event(bot_client, factory, staff, age_groups=["kids"])
    linked(bot_client, factory, parent, 782)
    telegram(bot_client, 1, f"daftar {ev['id']}", chat=782)
    assert "Maaf" in platforms.texts("telegram")[-1]  # an event for children, not adults
    telegram(bot_client, 2, f"daftar {ev['id']} untuk Kancil", chat=782)
    assert platforms.texts("telegram")[-1].startswith("Terdaftar Kancil")
    h = factory.child_headers(parent, child)
    assert bot_client.get(f"/v1/events/{ev['id']}", headers=h).json()["me"]["status"] == (
        "registered"
    )


def at(hour_utc: int, minute: int = 0, day: int = 17) -> datetime:
    return datetime(2026, 11, day, hour_utc, minute, tzinfo=UTC)


def test_streak_reminders_opt_in_at_the_local_hour_once_a_day(
    bot_client, factory, platforms, clock, engine
):
    lib = factory.library()  # Asia/Jakarta, UTC+7
    reader, quiet = factory.member(lib), factory.member(lib)
    linked(bot_client, factory, reader, 783)
    linked(bot_client, factory, quiet, 784)
    for who in (reader, quiet):
        body = {"book": {"title": "Amba"}, "pages": 10, "read_on": "2026-11-16"}
        r = bot_client.post("/v1/reading-logs", json=body, headers=factory.headers(who))
        assert r.status_code == 201, r.text
    settings = bot_client.app.state.settings
    telegram(bot_client, 1, "ingatkan jam 19", chat=783)
    assert "aktif: jam 19.00 (Asia/Jakarta)" in platforms.texts("telegram")[-1]
    sent = len(platforms.sent)

    assert reminders.send_due(engine, settings, at(11, 30)) == 0  # 18:30 local: not yet
    assert reminders.send_due(engine, settings, at(12, 5)) == 1  # 19:05 local
    (reminder,) = platforms.sent[sent:]
    assert reminder[1]["chat_id"] == "783" and "akan putus hari ini" in reminder[1]["text"]
    assert reminders.send_due(engine, settings, at(14)) == 0  # once a day
    # Read today: the streak holds, so the next day (read on the 17th) has nothing to say
    # before the 18th's evening, and then the streak of two days is at risk.
    clock.set(at(13))
    telegram(bot_client, 2, "baca 10 halaman Amba", chat=783)
    assert reminders.send_due(engine, settings, at(12, 5, day=18)) == 1
    assert "(2 hari)" in platforms.texts("telegram")[-1]
    telegram(bot_client, 3, "ingatkan mati", chat=783)
    assert reminders.send_due(engine, settings, at(12, 5, day=19)) == 0


def test_a_childs_streak_reminder_goes_to_the_guardian(bot_client, factory, platforms, engine):
    lib = factory.library()
    parent = factory.member(lib)
    child = factory.child(parent, nickname="Kancil")
    linked(bot_client, factory, parent, 785)
    body = {"book": {"title": "Si Kancil"}, "pages": 10, "read_on": "2026-11-16"}
    body["member_id"] = child.id
    r = bot_client.post("/v1/reading-logs", json=body, headers=factory.headers(parent))
    assert r.status_code == 201, r.text
    telegram(bot_client, 1, "ingatkan 19", chat=785)
    settings = bot_client.app.state.settings
    assert reminders.send_due(engine, settings, at(12, 5)) == 1
    text = platforms.texts("telegram")[-1]
    assert "Streak membaca Kancil (1 hari)" in text and "untuk Kancil" in text
    assert "Anda (" not in text  # the guardian's own streak is not at risk
    # A child never links a chat of their own.
    r = bot_client.post("/v1/me/chat-link-code", headers=factory.child_headers(parent, child))
    assert r.status_code == 403


def test_reminder_commands_are_understood_or_explained(bot_client, factory, platforms):
    reader = factory.member(factory.library())
    linked(bot_client, factory, reader, 786)
    telegram(bot_client, 1, "ingatkan", chat=786)
    assert "belum aktif" in platforms.texts("telegram")[-1]
    telegram(bot_client, 2, "ingatkan jam 25", chat=786)
    assert "antara 0 dan 23" in platforms.texts("telegram")[-1]
    telegram(bot_client, 3, "ingatkan kapan-kapan", chat=786)
    assert platforms.texts("telegram")[-1].startswith("Tulis seperti ini")
    telegram(bot_client, 4, "ingatkan ya", chat=786)
    assert "aktif: jam 19.00" in platforms.texts("telegram")[-1]


def test_a_whatsapp_reminder_starts_the_conversation_with_the_template(
    bot_client, factory, platforms, engine
):
    reader = factory.member(factory.library())
    whatsapp(bot_client, "wamid.1", f"hubungkan {link_code(bot_client, factory, reader)}")
    body = {"book": {"title": "Amba"}, "pages": 10, "read_on": "2026-11-16"}
    assert bot_client.post(
        "/v1/reading-logs", json=body, headers=factory.headers(reader)
    ).is_success
    whatsapp(bot_client, "wamid.2", "ingatkan jam 19")
    plain = bot_client.app.state.settings
    settings = plain.model_copy(update={"whatsapp_reminder_template": "pengingat_streak"})
    sent = len(platforms.sent)

    assert reminders.send_due(engine, settings, at(12, 5)) == 1
    ((platform, message),) = platforms.sent[sent:]
    assert platform == "whatsapp" and message["to"] == "628123"
    assert message["template"]["name"] == "pengingat_streak"
    (param,) = message["template"]["components"][0]["parameters"]
    assert "akan putus hari ini" in param["text"] and "\n" not in param["text"]
