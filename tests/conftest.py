"""Fixtures: one migrated database per run, a transaction rolled back after each test, factories,
and a client that fills in CSRF tokens and signs in as any role.

The suite runs on SQLite; with ``TEST_DATABASE_URL`` set it runs on that PostgreSQL database instead.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from academy import create_app
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseStatus
from academy.db import database, utcnow
from academy.demo.services import DemoSummary, load_demo
from academy.employers.models import Company, CompanyStatus
from academy.extensions import limiter
from academy.grading.models import Assessment, AssessmentKind, SubmissionType
from academy.mail import Mail, outbox
from academy.schema import upgrade
from academy.tracks import Track

PASSWORD = "correct-horse-42"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_serial = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"academy_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    upgrade(database_url)
    return create_app({"ENV_NAME": "testing", "DATABASE_URL": database_url})


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test. Requests made through the
    client in the same test use the same connection, so they see and extend the same data."""
    db_ = database(app)
    connection = db_.engine.connect()
    outer = connection.begin()
    original = db_.sessionmaker
    db_.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    session = db_.sessionmaker()
    limiter.reset()
    outbox(app).clear()
    try:
        yield session
    finally:
        session.close()
        db_.sessionmaker = original
        outer.rollback()
        connection.close()


@pytest.fixture
def mailbox(app: Flask, db: Session) -> list[Mail]:
    """What the app has e-mailed during this test."""
    return outbox(app)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """An app context for service tests that format translated messages (never with ``client``)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


class Factory:
    """Makes valid rows with sensible defaults; every call gives a unique e-mail / INN."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._hash = passwords.hash_password(PASSWORD)

    def user(self, role: Role = Role.STUDENT, **fields: Any) -> User:
        n = next(_serial)
        values: dict[str, Any] = {
            "email": f"{role.value}{n}@example.uz",
            "first_name": "Test",
            "last_name": f"User{n}",
            "password_hash": self._hash,
            "role": role,
            "locale": "en",
            "region_code": "UZ-SA" if role is Role.STUDENT else None,
        }
        values.update(fields)
        user = User(**values)
        self.session.add(user)
        self.session.flush()
        return user

    def company(self, status: CompanyStatus = CompanyStatus.PENDING, **fields: Any) -> Company:
        n = next(_serial)
        values: dict[str, Any] = {
            "name": f"Company {n} LLC",
            "tax_id": f"{200_000_000 + n:09d}",
            "status": status,
        }
        values.update(fields)
        company = Company(**values)
        self.session.add(company)
        self.session.flush()
        return company

    def employer(self, status: CompanyStatus = CompanyStatus.APPROVED, **fields: Any) -> User:
        return self.user(Role.EMPLOYER, company_id=self.company(status).id, **fields)

    def course(self, status: CourseStatus = CourseStatus.PUBLISHED, **fields: Any) -> Course:
        n = next(_serial)
        values: dict[str, Any] = {
            "code": f"C{n:04d}",
            "track": Track.BPO,
            "title_uz": f"Kurs {n}",
            "title_ru": f"Курс {n}",
            "title_en": f"Course {n}",
            "hours": 60,
            "status": status,
        }
        values.update(fields)
        course = Course(**values)
        self.session.add(course)
        self.session.flush()
        return course

    def cohort(self, course: Course | None = None, seats: int = 30, **fields: Any) -> Cohort:
        n = next(_serial)
        now = utcnow()
        values: dict[str, Any] = {
            "code": f"COH-{n:04d}",
            "course": course or self.course(),
            "region_code": "UZ-SA",
            "language": "uz",
            "starts_on": (now + timedelta(days=14)).date(),
            "ends_on": (now + timedelta(days=90)).date(),
            "enrolment_opens_at": now - timedelta(days=7),
            "enrolment_closes_at": now + timedelta(days=13),
            "seats": seats,
        }
        values.update(fields)
        cohort = Cohort(**values)
        self.session.add(cohort)
        self.session.flush()
        return cohort

    def enrolment(
        self, cohort: Cohort, student: User | None = None, status: EnrolmentStatus = EnrolmentStatus.ENROLLED
    ) -> Enrolment:
        """A student placed straight into a cohort (no seat counting: for grading and attendance)."""
        enrolment = Enrolment(cohort=cohort, student=student or self.user(), status=status)
        self.session.add(enrolment)
        self.session.flush()
        return enrolment

    def assessment(
        self, course: Course, kind: AssessmentKind = AssessmentKind.ASSIGNMENT, **fields: Any
    ) -> Assessment:
        n = next(_serial)
        values: dict[str, Any] = {
            "course": course,
            "position": n,
            "kind": kind,
            "title": f"Assessment {n}",
            "weight": 100,
            "max_points": 100,
            "max_attempts": 1,  # what the authoring service stores unless a quiz says otherwise
            "submission_type": SubmissionType.TEXT if kind is AssessmentKind.ASSIGNMENT else None,
        }
        values.update(fields)
        assessment = Assessment(**values)
        self.session.add(assessment)
        self.session.flush()
        return assessment


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)


class Browser:
    """The test client with CSRF tokens filled in and sign-in helpers."""

    def __init__(self, client: FlaskClient, factory: Factory, session: Session) -> None:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read English unless a test asks
        self.client = client
        self.make = factory
        self.session = session
        self.user: User | None = None

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def csrf_token(self) -> str:
        match = CSRF.search(self.client.get("/").get_data(as_text=True))
        assert match, "the home page carries no CSRF token"
        return match.group(1)

    def post(
        self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kwargs: Any
    ) -> TestResponse:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    def login(self, who: Role | User = Role.STUDENT, password: str = PASSWORD) -> User:
        user = who if isinstance(who, User) else self.make.user(who)
        response = self.post("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.user = user
        return user

    def logout(self) -> None:
        self.post("/logout")
        self.user = None


@pytest.fixture
def browser(app: Flask, db: Session, make: Factory) -> Browser:
    return Browser(app.test_client(), make, db)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def load_demo_in(app: Flask, session: Session, **options: Any) -> DemoSummary:
    """``load_demo`` as the CLI runs it: inside an app context (signing certificates needs one), which
    is not held afterwards, so that later requests through the test client get their own."""
    with app.app_context():
        return load_demo(session, **options)
