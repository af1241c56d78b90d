"""Console sign-in: staff and admins only, cookie flags, form tokens, sign-outs."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import transaction
from app.models.auth import AuthSession
from tests.console.helpers import form_token, sign_in
from tests.factories import PASSWORD


def test_staff_sign_in_sets_a_locked_down_cookie(client: TestClient, factory):
    lib = factory.library("palu")
    staff = factory.staff(lib)
    page = client.get("/staff/login")
    assert page.status_code == 200 and 'lang="id"' in page.text
    response = client.post(
        "/staff/login",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "bq_console=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie  # the test's public URL is http
    home = client.get("/staff/challenges")
    assert lib.name in home.text


def test_cookie_is_secure_when_the_public_url_is_https(settings, engine, clock, factory):
    from app.main import create_app

    secure = settings.model_copy(update={"public_base_url": "https://bacaquest.example"})
    staff = factory.staff(factory.library())
    with TestClient(
        create_app(secure, engine=engine, clock=clock), base_url="https://testserver"
    ) as c:
        page = c.get("/staff/login")
        response = c.post(
            "/staff/login",
            data={"email": staff.email, "password": PASSWORD, "csrf_token": form_token(page.text)},
            follow_redirects=False,
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_members_and_wrong_passwords_are_refused(client: TestClient, factory):
    lib = factory.library()
    member = factory.member(lib)
    for email, password in ((member.email, PASSWORD), (factory.staff(lib).email, "wrong-pass-123")):
        page = client.get("/staff/login")
        response = client.post(
            "/staff/login",
            data={"email": email, "password": password, "csrf_token": form_token(page.text)},
            follow_redirects=False,
        )
        assert response.status_code in (401, 403)
        assert "bq_console=" not in response.headers.get("set-cookie", "")
    assert client.get("/staff/challenges", follow_redirects=False).status_code == 303


def test_sign_in_without_the_form_token_signs_nobody_in(client: TestClient, factory):
    staff = factory.staff(factory.library())
    client.get("/staff/login")
    response = client.post(
        "/staff/login", data={"email": staff.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "bq_console=" not in response.headers.get("set-cookie", "")


def test_pages_need_a_sign_in(client: TestClient):
    response = client.get("/staff/challenges", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/challenges"


def test_logout_ends_the_console_and_its_auth_session(client: TestClient, factory, engine):
    staff = factory.staff(factory.library())
    token = sign_in(client, staff.email)
    response = client.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/staff/challenges", follow_redirects=False).status_code == 303
    with transaction(engine, write=False) as s:
        rows = s.execute(select(AuthSession).where(AuthSession.member_id == staff.id)).scalars()
        assert all(r.revoked_at is not None for r in rows)


def test_logout_without_the_form_token_changes_nothing(client: TestClient, factory):
    staff = factory.staff(factory.library())
    sign_in(client, staff.email)
    response = client.post("/staff/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/staff/challenges").status_code == 200


def test_the_accounts_other_sign_outs_end_the_console(client: TestClient, factory, engine):
    staff = factory.staff(factory.library())
    sign_in(client, staff.email)
    # The account signs out of every device (the app's sessions and this one).
    with transaction(engine) as s:
        for row in s.execute(
            select(AuthSession).where(AuthSession.member_id == staff.id)
        ).scalars():
            row.revoked_at = factory.clock.now()
    assert client.get("/staff/challenges", follow_redirects=False).status_code == 303


def test_sign_out_everywhere_ends_the_apps_sessions_too(client: TestClient, factory):
    staff = factory.staff(factory.library())
    app_headers = factory.headers(staff)
    assert client.get("/v1/me", headers=app_headers).status_code == 200
    token = sign_in(client, staff.email)
    client.post("/staff/logout-everywhere", data={"csrf_token": token})
    assert client.get("/v1/me", headers=app_headers).status_code == 401
    assert client.get("/staff/challenges", follow_redirects=False).status_code == 303


def test_a_demoted_staff_member_is_let_out(client: TestClient, factory, engine):
    from app.models.member import Member

    staff = factory.staff(factory.library())
    sign_in(client, staff.email)
    with transaction(engine) as s:
        s.get(Member, staff.id).role = "member"
    assert client.get("/staff/challenges", follow_redirects=False).status_code == 303


def test_language_switch_and_safe_next(client: TestClient):
    response = client.get("/staff/lang/en?next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/staff"
    client.cookies.set("bq_lang", "en")
    assert 'lang="en"' in client.get("/staff/login").text
    assert "Sign in" in client.get("/staff/login").text
