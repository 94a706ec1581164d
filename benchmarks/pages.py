"""The ``pages`` benchmark: server time and SQL queries of the main pages over a demo network.

The app is built on a fresh database holding ``--scale`` demo students; each page is requested
through the Flask test client as the role that sees it (one client, hence one session cookie, per
role). A bare endpoint that touches no database is the floor: what Flask, the app's hooks and the
test client cost on this machine in this run. Pages are timed round-robin, so that a noisy moment
of the machine falls on every page alike. A page answering anything but 200 fails the run.

The catalogue's course and cohort pages are found in the demo data once it is loaded: the published
course with the most cohorts to come, and the full upcoming cohort with the longest waitlist, which
the demo student joins (if not already on it) so that their page shows a waitlist position at every
scale. Their results are keyed by the address pattern (``/cohorts/<code>``), the same in every run.
"""

from __future__ import annotations

import argparse
import gc
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, not_, select

from academy import access
from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.services import enrol
from academy.courses.models import Course, CourseStatus, course_prerequisites
from academy.db import database, get_session, utcnow
from benchmarks.harness import (
    BenchmarkFailed,
    QueryCounter,
    Samples,
    backend_name,
    build_demo_app,
    non_negative_int,
    progress,
    temporary_database,
)

HELP = "median and p95 server time and SQL query count of the main pages, per role"
DEFAULT_SCALE = 100
DEFAULT_REPEAT = 60
DEFAULT_WARMUP = 5
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password (DESIGN.md)
FLOOR_PATH = "/__bench_floor"
ANONYMOUS = "anonymous"
SIGNED_IN_ROLES = ("admin", "instructor", "student", "employer")

# (path, role): every page the benchmark times; roles sign in as <role>@demo.academy.uz.
PAGES: tuple[tuple[str, str], ...] = (
    ("/", ANONYMOUS),
    ("/", "student"),
    ("/?region=UZ-SA&track=bpo", ANONYMOUS),
    ("/?q=kontakt&language=ru", ANONYMOUS),
    ("/login", ANONYMOUS),
    *(("/dashboard", role) for role in SIGNED_IN_ROLES),
    ("/admin/users", "admin"),
)
# (pattern, role): pages of a course or cohort picked from the demo data (see catalogue_pages).
CATALOGUE_PAGES: tuple[tuple[str, str], ...] = (
    ("/courses/<code>", ANONYMOUS),
    ("/cohorts/<code>", ANONYMOUS),
    ("/cohorts/<code>", "student"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warmup",
        type=non_negative_int,
        default=DEFAULT_WARMUP,
        help="untimed requests of each page before timing (default: %(default)s)",
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of each page's counted request on stderr"
    )


@dataclass
class Page:
    path: str
    role: str
    samples: Samples = field(default_factory=Samples)
    queries: list[str] = field(default_factory=list)
    pattern: str | None = None  # the address with its variable part named, when it has one

    @property
    def label(self) -> str:
        return f"{self.pattern or self.path} as {self.role}"


def catalogue_pages(app: Flask) -> list[Page]:
    """The course and cohort pages to time, picked from the demo data (see the module docstring)."""
    with app.app_context():
        session = get_session()
        today = utcnow().date()
        course = session.scalar(
            select(Course.code)
            .join(Cohort, Cohort.course_id == Course.id)
            .where(Course.status == CourseStatus.PUBLISHED, Cohort.ends_on >= today)
            .group_by(Course.id, Course.code)
            .order_by(func.count().desc(), Course.code)
            .limit(1)
        )
        student = session.scalars(select(User).where(User.email == "student@demo.academy.uz")).one()
        seated = select(Enrolment.cohort_id).where(
            Enrolment.student_id == student.id, Enrolment.status != EnrolmentStatus.WAITLISTED
        )
        cohort = session.scalars(
            select(Cohort)
            .join(Course, Course.id == Cohort.course_id)
            .where(
                Course.status == CourseStatus.PUBLISHED,
                Cohort.starts_on > today,
                Cohort.seats_taken >= Cohort.seats,
                Cohort.id.not_in(seated),
                not_(Course.id.in_(select(course_prerequisites.c.course_id))),
            )
            .order_by(Cohort.waitlist_length.desc(), Cohort.code)
            .limit(1)
        ).first()
        if course is None or cohort is None:
            raise BenchmarkFailed("the demo data has no upcoming course, or no full cohort to wait for")
        # Already on its waitlist, or joins it now (the cohort is full).
        place = enrol(session, cohort, student, check_window=False)
        if place.status is not EnrolmentStatus.WAITLISTED:
            raise BenchmarkFailed(f"the demo student is {place.status.value} in {cohort.code}, not waiting")
        session.commit()
        progress("catalogue pages: course %s, cohort %s", course, cohort.code)
        codes = {"/courses/<code>": course, "/cohorts/<code>": cohort.code}
    return [
        Page(pattern.replace("<code>", codes[pattern]), role, pattern=pattern)
        for pattern, role in CATALOGUE_PAGES
    ]


def register_floor(app: Flask) -> None:
    """A public endpoint that renders nothing and touches no database (before the first request)."""

    def bench_floor() -> str:
        return "ok"

    app.add_url_rule(FLOOR_PATH, "bench_floor", access.public(bench_floor))


def signed_in_client(app: Flask, role: str) -> FlaskClient:
    """A test client holding the session of the demo account of ``role``."""
    client = app.test_client()
    if role == ANONYMOUS:
        return client
    email = f"{role}@demo.academy.uz"
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise BenchmarkFailed(
            f"signing in as {email} answered {response.status_code}, not a redirect: "
            "the demo account or the login form is broken"
        )
    return client


def fetch(client: FlaskClient, page: Page) -> float:
    """Request ``page`` once; the seconds it took. Anything but 200 fails the benchmark."""
    started = time.perf_counter()
    response = client.get(page.path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        location = response.headers.get("Location")
        raise BenchmarkFailed(
            f"GET {page.label} answered {response.status_code}"
            + (f" (redirect to {location})" if location else "")
            + "; a failing page has no meaningful time"
        )
    return elapsed


def run(args: argparse.Namespace) -> dict[str, Any]:
    database_kind = backend_name(args.database_url) if args.database_url else "sqlite"
    progress(
        "pages benchmark: scale %d, %d warm-up and %d timed requests per page, on %s",
        args.scale,
        args.warmup,
        args.repeat,
        database_kind,
    )
    with temporary_database(args.database_url, "pages") as url:
        app = build_demo_app(url, args.scale)
        try:
            return measure(app, args, database_kind)
        finally:
            database(app).engine.dispose()


def measure(app: Flask, args: argparse.Namespace, database_kind: str) -> dict[str, Any]:
    register_floor(app)
    clients = {role: signed_in_client(app, role) for role in (ANONYMOUS, *SIGNED_IN_ROLES)}
    floor = Page(FLOOR_PATH, ANONYMOUS)
    pages = [Page(path, role) for path, role in PAGES] + catalogue_pages(app)
    everything = [floor, *pages]

    for _ in range(args.warmup):
        for page in everything:
            fetch(clients[page.role], page)

    counter = QueryCounter(database(app).engine)
    try:
        for page in everything:
            with counter.record() as statements:
                fetch(clients[page.role], page)
            page.queries = list(statements)
    finally:
        counter.close()
    if floor.queries:
        raise BenchmarkFailed(f"the floor endpoint sent {len(floor.queries)} queries; it must send none")
    for page in pages:
        progress("%-40s %2d queries", page.label, len(page.queries))
        if args.show_queries:
            for statement in page.queries:
                progress("    %s", " ".join(statement.split()))

    gc.collect()
    for round_number in range(1, args.repeat + 1):
        for page in everything:
            page.samples.add(fetch(clients[page.role], page))
        if round_number % 20 == 0 or round_number == args.repeat:
            progress("timed %d/%d rounds", round_number, args.repeat)

    progress("%-40s %9s %9s", "floor", f"{floor.samples.median_ms:.2f}", f"{floor.samples.p95_ms:.2f}")
    for page in pages:
        progress(
            "%-40s %9s %9s ms (median, p95)",
            page.label,
            f"{page.samples.median_ms:.2f}",
            f"{page.samples.p95_ms:.2f}",
        )
    return {
        "benchmark": "pages",
        "scale": args.scale,
        "pages": {
            page.label: {
                "median_ms": page.samples.median_ms,
                "p95_ms": page.samples.p95_ms,
                "queries": len(page.queries),
            }
            for page in pages
        },
        "floor_median_ms": floor.samples.median_ms,
        "baseline": "floor",
        "max_median_ms": max(page.samples.median_ms for page in pages),
        "database": database_kind,
    }
