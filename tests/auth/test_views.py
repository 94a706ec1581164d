"""Signing in and out, registration and passwords, through the test client."""

from __future__ import annotations

import re

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.mail import Mail
from tests.conftest import PASSWORD, Browser

SIGNUP = {
    "first_name": "Malika",
    "last_name": "Rahimova",
    "email": "malika@example.uz",
    "phone": "+998 90 123 45 67",
    "region": "UZ-NG",
    "locale": "uz",
    "password": "my-secret-pass",
    "confirm": "my-secret-pass",
}


def session_cookie(browser: Browser) -> str | None:
    cookie = browser.client.get_cookie("academy_session")
    return cookie.value if cookie else None


def test_login_page_renders(browser: Browser) -> None:
    response = browser.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_login_redirects_to_dashboard_with_a_fresh_session(browser: Browser) -> None:
    user = browser.make.user()
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = session_cookie(browser)
    response = browser.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert session_cookie(browser) != before
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()
    assert "Hello, Test" in browser.get("/dashboard").get_data(as_text=True)


def test_login_follows_only_local_next(browser: Browser) -> None:
    user = browser.make.user()
    ok = browser.post("/login?next=/account", {"email": user.email, "password": PASSWORD})
    assert ok.headers["Location"] == "/account"
    browser.logout()
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = browser.post(f"/login?next={evil}", {"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/dashboard", evil
        browser.logout()


def test_wrong_password_and_unknown_email_get_the_same_answer(browser: Browser) -> None:
    user = browser.make.user()
    wrong = browser.post("/login", {"email": user.email, "password": "not-my-password"})
    unknown = browser.post("/login", {"email": "ghost@example.uz", "password": "not-my-password"})
    assert wrong.status_code == unknown.status_code == 200
    message = "The e-mail or password is not correct."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert browser.get("/dashboard").status_code == 302


def test_failed_logins_per_account_end_in_429(browser: Browser) -> None:
    user = browser.make.user()
    for _ in range(5):
        assert browser.post("/login", {"email": user.email, "password": "wrong-one"}).status_code == 200
    blocked = browser.post("/login", {"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is not locked by this one's failures.
    other = browser.make.user()
    assert browser.post("/login", {"email": other.email, "password": PASSWORD}).status_code == 302


def test_failed_logins_per_address_end_in_429(browser: Browser) -> None:
    for n in range(20):
        browser.post("/login", {"email": f"guess{n}@example.uz", "password": "wrong-one"})
    assert browser.post("/login", {"email": "guess99@example.uz", "password": "x"}).status_code == 429


def test_successful_logins_are_not_counted_as_failures(browser: Browser) -> None:
    user = browser.make.user()
    for _ in range(7):
        browser.login(user)
        browser.logout()


def test_logout_is_post_only(browser: Browser) -> None:
    browser.login()
    assert browser.get("/logout").status_code == 405
    assert browser.get("/dashboard").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert browser.get("/dashboard").status_code == 302


def test_register_creates_a_student_and_signs_in(browser: Browser, db: Session) -> None:
    response = browser.post("/register", SIGNUP)
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "malika@example.uz"))
    assert (
        user is not None and user.role is Role.STUDENT and user.region_code == "UZ-NG" and user.locale == "uz"
    )
    assert browser.get("/dashboard").status_code == 200


def test_register_with_bad_input_re_renders_and_writes_nothing(browser: Browser, db: Session) -> None:
    bad = dict(
        SIGNUP,
        email="not-an-email",
        confirm="different-pass",
        region="UZ-XX",
        password="short",
        phone="call me",
    )
    response = browser.post("/register", bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid email address." in body or "not-an-email" in body
    assert "The passwords do not match." in body
    assert "Use at least 10 characters." in body
    assert "Enter a phone number" in body
    assert 'aria-invalid="true"' in body
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_register_with_a_taken_email_says_so(browser: Browser, db: Session) -> None:
    browser.make.user(email="malika@example.uz")
    response = browser.post("/register", dict(SIGNUP, email="MALIKA@example.uz"))
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_signed_in_user_is_sent_from_login_and_register_to_dashboard(browser: Browser) -> None:
    browser.login()
    assert browser.get("/login").headers["Location"] == "/dashboard"
    assert browser.get("/register").headers["Location"] == "/dashboard"


def test_password_reset_by_email_link(app: Flask, browser: Browser, mailbox: list[Mail]) -> None:
    user = browser.make.user(locale="ru")
    response = browser.post("/forgot-password", {"email": user.email})
    assert response.status_code == 302
    assert len(mailbox) == 1
    mail = mailbox[0]
    with app.test_request_context(), force_locale("ru"):
        greeting = gettext("Hello %(name)s,", name=user.first_name)
    assert mail.to == user.email and greeting in mail.body and greeting != f"Hello {user.first_name},"
    # Sent through the outbox right after the request's commit; the link is on the public address.
    link = re.search(re.escape(app.config["BASE_URL"]) + r"(/reset-password/\S+)", mail.body)
    assert link is not None
    assert browser.get(link.group(1)).status_code == 200
    done = browser.post(link.group(1), {"password": "new-passphrase-1", "confirm": "new-passphrase-1"})
    assert done.status_code == 302
    browser.login(user, password="new-passphrase-1")
    browser.logout()
    again = browser.get(link.group(1))
    assert again.status_code == 404 and "invalid, expired or already used" in again.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_unknown_email(browser: Browser, mailbox: list[Mail]) -> None:
    known = browser.make.user()
    a = browser.post("/forgot-password", {"email": known.email}, follow_redirects=True)
    b = browser.post("/forgot-password", {"email": "ghost@example.uz"}, follow_redirects=True)
    assert a.status_code == b.status_code == 200
    assert "If an account uses that e-mail" in a.get_data(as_text=True)
    assert "If an account uses that e-mail" in b.get_data(as_text=True)
    assert [m.to for m in mailbox] == [known.email]


def test_reset_with_a_bad_token_is_404(browser: Browser) -> None:
    assert browser.get("/reset-password/nonsense").status_code == 404
    assert (
        browser.post("/reset-password/nonsense", {"password": "x" * 12, "confirm": "x" * 12}).status_code
        == 404
    )


def test_change_password_signs_out_other_devices(app: Flask, browser: Browser, db: Session) -> None:
    user = browser.login()
    other_device = Browser(app.test_client(), browser.make, db)
    other_device.login(user)
    wrong = browser.post(
        "/account",
        {"current": "nope-nope-nope", "password": "new-passphrase-2", "confirm": "new-passphrase-2"},
    )
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    ok = browser.post(
        "/account", {"current": PASSWORD, "password": "new-passphrase-2", "confirm": "new-passphrase-2"}
    )
    assert ok.status_code == 302
    assert browser.get("/dashboard").status_code == 200  # this device stays signed in
    assert other_device.get("/dashboard").status_code == 302  # the other one is out


def test_deactivated_user_is_signed_out_at_once(app: Flask, browser: Browser, db: Session) -> None:
    user = browser.login()
    admin = Browser(app.test_client(), browser.make, db)
    admin.login(Role.ADMIN)
    assert admin.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert browser.get("/dashboard").status_code == 302
    response = browser.post("/login", {"email": user.email, "password": PASSWORD})
    assert "deactivated" in response.get_data(as_text=True)
