"""What every benchmark shares: a throwaway database, a demo-filled app, timing and query counting.

A benchmark never writes into the database it is pointed at: on PostgreSQL it creates its own
temporary database on the same server and drops it afterwards; on SQLite it uses a fresh file in a
temporary directory (the given URL only chooses the backend).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL

_STARTED = time.perf_counter()


class BenchmarkFailed(RuntimeError):
    """The benchmark cannot produce an honest number (a page failed, the database is unusable ...)."""


def progress(message: str, *args: object) -> None:
    """A human-readable progress line on stderr (stdout is kept for the JSON result)."""
    elapsed = time.perf_counter() - _STARTED
    print(f"[{elapsed:7.1f}s] " + (message % args if args else message), file=sys.stderr, flush=True)


def positive_int(raw: str) -> int:
    """An argparse type: a whole number of at least 1."""
    return _int_at_least(raw, 1)


def non_negative_int(raw: str) -> int:
    """An argparse type: a whole number of at least 0."""
    return _int_at_least(raw, 0)


def _int_at_least(raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}: {value}")
    return value


def backend_name(url: str) -> str:
    """``sqlite`` or ``postgresql``; any other backend is refused."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BenchmarkFailed(f"unsupported database backend {name!r}: use SQLite or PostgreSQL")
    return name


@contextmanager
def temporary_database(url: str | None, label: str) -> Iterator[str]:
    """A fresh, empty database for one run, removed afterwards; yields its SQLAlchemy URL.

    ``url`` None means SQLite. For PostgreSQL, ``url`` names a server (any database on it that we may
    connect to); the benchmark's own database is created there through an AUTOCOMMIT connection.
    """
    if url is None or backend_name(url) == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"academy-bench-{label}-") as directory:
            path = Path(directory) / "bench.db"
            progress("database: temporary SQLite file %s", path)
            yield f"sqlite:///{path}"
        return
    with _temporary_postgres_database(make_url(url), label) as bench_url:
        yield bench_url


@contextmanager
def _temporary_postgres_database(server: URL, label: str) -> Iterator[str]:
    name = f"academy_bench_{label}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    except Exception as error:
        admin.dispose()
        raise BenchmarkFailed(
            f"cannot create a temporary database on {server.render_as_string()}: {error}"
        ) from error
    progress("database: temporary PostgreSQL database %s on %s:%s", name, server.host, server.port)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            progress("database: dropped %s", name)
        finally:
            admin.dispose()


def build_demo_app(url: str, students: int, extra_config: dict[str, Any] | None = None) -> Flask:
    """Migrate the empty database at ``url`` and fill it with the demo network of ``students`` students."""
    from academy import create_app, schema
    from academy.db import database, get_session
    from academy.demo.services import load_demo

    started = time.perf_counter()
    schema.upgrade(url)
    progress("schema migrated in %.1fs", time.perf_counter() - started)
    config = {
        "ENV_NAME": "testing",
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        **(extra_config or {}),
    }
    app = create_app(config)
    started = time.perf_counter()
    with app.app_context():
        session = get_session()
        summary = load_demo(session, students=students)
        session.commit()
    progress("demo data loaded in %.1fs: %s", time.perf_counter() - started, summary.counts)
    if backend_name(url) == "postgresql":
        # After a bulk load autovacuum would ANALYZE within the minute, in the middle of the timing,
        # and change the plans; do it now so that every timed request sees the settled planner.
        analyze(database(app).engine)
    return app


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load, as a real deployment's autovacuum would."""
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


class QueryCounter:
    """Counts (and keeps) the SQL statements an engine sends while it is recording.

    The explicit ``BEGIN IMMEDIATE`` that academy.db's SQLite recipe sends is left out: psycopg opens its
    transactions without a statement we could see, so leaving it in would make SQLite count one
    query more than PostgreSQL for the same page.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording and not statement.strip().upper().startswith("BEGIN"):
            self.statements.append(statement)

    @contextmanager
    def record(self) -> Iterator[list[str]]:
        """Record the statements sent inside the block into a fresh list."""
        self.statements = []
        self.recording = True
        try:
            yield self.statements
        finally:
            self.recording = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


@dataclass
class Samples:
    """Wall-clock durations of repeated runs of one thing, in seconds."""

    seconds: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.seconds.append(seconds)

    @property
    def median_ms(self) -> float:
        return round(statistics.median(self.seconds) * 1000, 2)

    @property
    def p95_ms(self) -> float:
        """95th percentile by nearest rank (an observed duration, never an interpolation)."""
        ordered = sorted(self.seconds)
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return round(ordered[rank - 1] * 1000, 2)
