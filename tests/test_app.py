"""The app as a whole: settings, health check, security headers, cookies, CSRF, error pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from academy import access, create_app
from academy.certificates import keys
from academy.config import ConfigError, from_environment
from academy.db import database
from academy.grading import exports, files
from academy.imports import uploads
from tests.conftest import Browser


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="32 characters"):
        create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://"})


def test_production_reads_the_environment_and_secures_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///prod-test.db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    app = create_app({"ENV_NAME": "production"})
    assert app.config["DATABASE_URL"] == "sqlite:///prod-test.db"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


FOLDERS = {
    "SUBMISSION_FOLDER": ("submissions", files.folder),
    "SIGNING_KEY_FOLDER": ("signing-keys", keys.folder),
    "IMPORT_FOLDER": ("imports", uploads.folder),
    "EXPORT_FOLDER": ("exports", exports.export_folder),
}


@pytest.mark.parametrize("setting", sorted(FOLDERS))
def test_every_folder_the_app_writes_to_comes_from_the_environment(
    app: Flask, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    """The web app and a separate job worker are pointed at the same folders by the environment."""
    default, folder = FOLDERS[setting]
    monkeypatch.setitem(app.config, setting, None)
    with app.app_context():
        assert folder() == Path(app.instance_path) / default
        monkeypatch.setitem(app.config, setting, "shared/files")
        assert folder() == Path(app.instance_path) / "shared" / "files"

    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv(setting, "/srv/academy/files")
    assert from_environment()[setting] == "/srv/academy/files"
    worker = create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://"})
    assert worker.config[setting] == "/srv/academy/files"
    with worker.app_context():
        assert folder() == Path("/srv/academy/files")
    monkeypatch.setenv(setting, "")
    assert setting not in from_environment()


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ConfigError, match="Unknown ACADEMY_ENV"):
        create_app({"ENV_NAME": "staging"})


@pytest.mark.parametrize(
    "path", ["/", "/login", "/healthz", "/register", "/employers/register", "/forgot-password"]
)
def test_public_pages_answer_200(browser: Browser, path: str) -> None:
    assert browser.get(path).status_code == 200


def test_healthz_reports_the_database(browser: Browser) -> None:
    response = browser.get("/healthz")
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(app: Flask) -> None:
    broken = create_app({"ENV_NAME": "testing", "DATABASE_URL": "sqlite:////nonexistent-dir/academy.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "error", "database": "unreachable"}


def test_security_headers(browser: Browser) -> None:
    headers = browser.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert browser.get("/static/css/app.css").headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_are_not_cached(browser: Browser) -> None:
    assert browser.get("/").headers["Cache-Control"] == "no-cache"
    browser.login()
    assert browser.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(browser: Browser) -> None:
    user = browser.make.user()
    response = browser.post("/login", {"email": user.email, "password": "correct-horse-42"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("academy_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused(browser: Browser, db: Session) -> None:
    user = browser.make.user()
    response = browser.post("/login", {"email": user.email, "password": "correct-horse-42"}, csrf=False)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert browser.get("/dashboard").status_code == 302
    forged = browser.post(
        "/login", {"email": user.email, "password": "correct-horse-42", "csrf_token": "forged"}
    )
    assert forged.status_code == 400


def test_not_found_and_method_not_allowed_pages(browser: Browser) -> None:
    missing = browser.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert missing.status_code == 404 and '<html lang="ru">' in missing.get_data(as_text=True)
    assert browser.get("/logout").status_code == 405


def test_500_page_rolls_back_and_is_translated(database_url: str) -> None:
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": database_url, "PROPAGATE_EXCEPTIONS": False})
    from academy.auth.models import Role, User
    from academy.db import get_session

    def explode() -> str:
        session = get_session()
        session.add(
            User(
                email="ghost@example.uz",
                password_hash="x",
                first_name="G",
                last_name="H",
                role=Role.STUDENT,
                locale="en",
            )
        )
        session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/explode", "explode", access.public(explode))
    response = app.test_client().get("/explode", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    with database(app).engine.connect() as connection:
        from sqlalchemy import text

        assert (
            connection.execute(text("SELECT count(*) FROM users WHERE email = 'ghost@example.uz'")).scalar()
            == 0
        )


def test_home_page_is_light(browser: Browser) -> None:
    """The home page with its stylesheet and images stays well under 100 KB."""
    import re

    page = browser.get("/")
    body = page.get_data(as_text=True)
    total = len(page.get_data())
    for asset in set(re.findall(r'(?:href|src)="(/static/[^"]+)"', body)):
        response = browser.get(asset)
        assert response.status_code == 200, asset
        total += len(response.get_data())
    assert total < 100 * 1024
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body


def test_client_address_comes_from_the_trusted_proxy_only(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app({"ENV_NAME": "production"})
    seen: list[str | None] = []

    def address() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.add_url_rule("/address", "address", access.public(address))
    app.test_client().get("/address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
