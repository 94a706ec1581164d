"""Database plumbing: the declarative ``Base``, the engine, and one session per request.

The session lives on ``flask.g`` for the length of an application context and is closed when
the context ends; views commit it once. Services receive it as an argument and only flush.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always handed back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        # PostgreSQL answers in the connection's time zone: one zone everywhere keeps comparisons and
        # subtractions of timestamps on Python's fast path (no offset look-up on each side).
        return value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """A portable VARCHAR column holding an enum's values (no native PostgreSQL type to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=max(16, *(len(str(m.value)) for m in enum_class)),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def in_locale(row: object, field: str, locale: str) -> str:
    """``row.<field>_uz`` / ``_ru`` / ``_en`` for ``locale``; English for any other locale."""
    value: str = getattr(row, f"{field}_{locale if locale in ('uz', 'ru') else 'en'}")
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine, lock_timeout: int) -> None:
    """Make pysqlite honour transactions and foreign keys.

    pysqlite opens transactions lazily on its own; SQLAlchemy's documented recipe hands that job
    back to SQLAlchemy so that BEGIN, SAVEPOINT and ROLLBACK behave as on PostgreSQL. Transactions
    begin IMMEDIATE: a writer takes the lock up front and waits its turn (busy_timeout), instead of
    failing with "database is locked" when it upgrades from reading to writing under contention.
    SQLite's own ``lower()`` folds ASCII only; it is replaced by Python's, so that searches fold
    Cyrillic and Uzbek letters as PostgreSQL's ``lower()`` does.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(
    url: str, echo: bool = False, pool_size: int = 5, max_overflow: int = 10, lock_timeout: int = 10
) -> Engine:
    """An engine for ``url`` with the settings the academy relies on for each backend."""
    options: dict[str, Any] = {"echo": echo}
    if url in ("sqlite://", "sqlite:///:memory:"):
        options["poolclass"] = StaticPool
        options["connect_args"] = {"check_same_thread": False}
    else:
        options.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=lock_timeout)
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": lock_timeout}
        else:
            options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, lock_timeout)
    return engine


class Database:
    """The engine and session factory of one app, kept in ``app.extensions['academy_db']``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def init_app(cls, app: Flask) -> Database:
        database = cls(
            make_engine(
                app.config["DATABASE_URL"],
                echo=app.config["SQL_ECHO"],
                pool_size=app.config["DATABASE_POOL_SIZE"],
                max_overflow=app.config["DATABASE_MAX_OVERFLOW"],
                lock_timeout=app.config["DATABASE_LOCK_TIMEOUT"],
            )
        )
        app.extensions["academy_db"] = database
        app.teardown_appcontext(_close_session)
        return database


def database(app: Flask | None = None) -> Database:
    """The current app's :class:`Database`."""
    db: Database = (app or current_app).extensions["academy_db"]
    return db


def get_session() -> Session:
    """The session of the current application context, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    session: Session = g.db_session
    return session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
