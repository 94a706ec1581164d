"""Settings read from the environment: the only module that looks at ``os.environ``.

One class per mode. ``create_app()`` picks the class from ``ACADEMY_ENV`` (development,
production, testing) unless it is handed a mapping of overrides.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
LOCALES = ("uz", "ru", "en")
REQUEST_OVERHEAD = 1024 * 1024  # what a form adds to the largest file it carries


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


class BaseConfig:
    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    DATABASE_URL = f"sqlite:///{INSTANCE / 'academy.db'}"
    SQL_ECHO = False
    # Connections each worker process keeps open to PostgreSQL, and how many more it may open at peaks.
    DATABASE_POOL_SIZE = 5
    DATABASE_MAX_OVERFLOW = 10
    # Seconds a request waits for a pooled connection, and on SQLite for the write lock.
    DATABASE_LOCK_TIMEOUT = 10
    REDIS_URL: str | None = None

    # Public address of the deployment, used in e-mails sent outside a request.
    BASE_URL = "http://127.0.0.1:5000"

    # Sessions and cookies
    SESSION_COOKIE_NAME = "academy_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "academy_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    LANGUAGE_COOKIE = "academy_lang"

    # Forms
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Hand-ins (academy.grading.files): the largest file a student may hand in, and where hand-ins
    # are kept (None: instance/submissions). Requests may be a little larger than the largest file,
    # so that a file just over the limit gets the form's message rather than the 413 page.
    SUBMISSION_MAX_BYTES = 10 * 1024 * 1024
    SUBMISSION_FOLDER: str | None = None
    MAX_CONTENT_LENGTH = SUBMISSION_MAX_BYTES + REQUEST_OVERHEAD

    # Certificates (academy.certificates.keys): the folder of the Ed25519 keys that sign the
    # Open Badges credentials (None: instance/signing-keys; a relative path is taken inside instance/).
    SIGNING_KEY_FOLDER: str | None = None

    # Private files made for one user (academy.imports.uploads): uploaded CSV files between their
    # preview and their import, and gradebook XLSX exports waiting for their owner (None:
    # instance/imports and instance/exports; a relative path is taken inside instance/). A separate
    # job worker writes and reads them too, so it must see the same folders as the web app.
    IMPORT_FOLDER: str | None = None
    EXPORT_FOLDER: str | None = None

    # Languages
    LANGUAGES = LOCALES
    BABEL_DEFAULT_LOCALE = "uz"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tashkent"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "academy" / "translations")

    # Rate limits (Flask-Limiter); Redis when configured, else process memory.
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    RESET_LIMIT_PER_ADDRESS = "5 per hour"
    VERIFY_LIMIT_PER_ADDRESS = "30 per minute"  # /verify and /verify/<code> together

    # Passwords: argon2id, RFC 9106 second recommended option.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_RESET_TTL = timedelta(hours=1)

    # Mail: SMTP when MAIL_SERVER is set; otherwise mail is written to the log.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_DEFAULT_SENDER = "Academy <no-reply@academy.uz>"
    MAIL_BACKEND = "smtp"

    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
    TRUSTED_PROXIES = 0

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        """Refuse settings that cannot run; overridden by stricter modes."""


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - replaced by SECRET_KEY when set


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - tests only
    DATABASE_URL = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    SERVER_NAME = None
    # One throwaway key folder per test process, never the real instance folder.
    SIGNING_KEY_FOLDER = str(Path(tempfile.gettempdir()) / f"academy-test-keys-{os.getpid()}")


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        if not config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production (ACADEMY_ENV=production).")
        if len(str(config["SECRET_KEY"])) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")


MODES: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def from_environment() -> dict[str, Any]:
    """Settings given by environment variables, read when the app is created."""
    settings: dict[str, Any] = {}
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "BASE_URL",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "SUBMISSION_FOLDER",
        "SIGNING_KEY_FOLDER",
        "IMPORT_FOLDER",
        "EXPORT_FOLDER",
    ):
        value = _env(name)
        if value is not None:
            settings[name] = value
    if _env("TRUSTED_PROXIES"):
        settings["TRUSTED_PROXIES"] = int(_env("TRUSTED_PROXIES") or 0)
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_LOCK_TIMEOUT"):
        if _env(name):
            settings[name] = int(_env(name) or 0)
    if _env("SUBMISSION_MAX_BYTES"):
        settings["SUBMISSION_MAX_BYTES"] = int(_env("SUBMISSION_MAX_BYTES") or 0)
        settings["MAX_CONTENT_LENGTH"] = max(
            BaseConfig.MAX_CONTENT_LENGTH, settings["SUBMISSION_MAX_BYTES"] + REQUEST_OVERHEAD
        )
    if _env("MAIL_PORT"):
        settings["MAIL_PORT"] = int(_env("MAIL_PORT") or 0)
    if _env("MAIL_USE_TLS") is not None:
        settings["MAIL_USE_TLS"] = _env_bool("MAIL_USE_TLS", True)
    if _env("SQL_ECHO") is not None:
        settings["SQL_ECHO"] = _env_bool("SQL_ECHO", False)
    if settings.get("REDIS_URL"):
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]
    return settings


def config_class(name: str | None = None) -> type[BaseConfig]:
    """The settings class for ``name``, else for ``ACADEMY_ENV`` (development by default)."""
    mode = name or _env("ACADEMY_ENV", "development") or "development"
    try:
        return MODES[mode]
    except KeyError:
        raise ConfigError(f"Unknown ACADEMY_ENV {mode!r}; use one of {', '.join(MODES)}.") from None


def test_database_url() -> str | None:
    """The PostgreSQL URL the test suite may use, when one is given."""
    return _env("TEST_DATABASE_URL")
