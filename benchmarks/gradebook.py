"""The ``gradebook`` benchmark: a large cohort's gradebook page, and the CSV export of a huge one.

On a temporary database (no demo data), bulk inserts build a course of ``--assessments`` assessments
(assignments and exams; weights total 100) and cohorts taught by one instructor, with grades for
most cells, some excused and some missing, and hand-ins for most assignments:

- the page cohort, ``--students`` students: ``/teach/cohorts/<code>/gradebook`` is requested through
  the test client as the instructor (warm-ups, then ``--repeat`` timed requests alternating with the
  bare floor endpoint of the ``pages`` benchmark), its queries counted, and counted again on a small
  cohort (a tenth of the students, a quarter of the assessments) to show they do not grow;
- the export cohorts, ``--export-rows`` and ``--export-rows-small`` students: ``export.csv`` is
  streamed through the test client and its chunks thrown away as they come, timed once, then run
  again under tracemalloc for the peak memory, on both, to show that memory stays flat. The CPU
  seconds of this process during the timed export are reported too: on a machine shared with other
  work they say more than the wall clock (on SQLite they include the database's own work).

The export is measured first. A gradebook page that answers anything but 200 fails the run (no
number is made up for a page that does not exist); ``--only-export`` skips the page.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from academy import create_app, schema
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_instructors
from academy.courses.models import Course, CourseStatus
from academy.db import database, get_session, utcnow
from academy.grading.models import Assessment, AssessmentKind, Grade, Submission, SubmissionType
from academy.tracks import Track
from benchmarks.harness import (
    BenchmarkFailed,
    QueryCounter,
    analyze,
    backend_name,
    non_negative_int,
    positive_int,
    progress,
    temporary_database,
)
from benchmarks.pages import FLOOR_PATH, Page, fetch, register_floor

HELP = "gradebook page (median ms, queries) for --students x --assessments; CSV export of 20,000 rows"
DEFAULT_SCALE = 1000  # students of the page cohort, unless --students says otherwise
DEFAULT_REPEAT = 20
PASSWORD = "bench-pass-2026"  # noqa: S105 - the benchmark's own throwaway instructor
PAGE_LIMIT_MS = 500.0
EXPORT_LIMIT_SECONDS = 5.0
CHUNK = 5000  # rows in one bulk INSERT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", type=positive_int, default=None, help="page cohort (default: --scale)")
    parser.add_argument("--assessments", type=positive_int, default=20, help="per course (default: 20)")
    parser.add_argument("--export-rows", type=positive_int, default=20_000, help="export cohort's students")
    parser.add_argument("--export-rows-small", type=positive_int, default=2_000, help="the export to compare")
    parser.add_argument("--warmup", type=non_negative_int, default=3, help="untimed page requests first")
    parser.add_argument("--only-export", action="store_true", help="measure the export only, not the page")
    parser.add_argument("--seed", type=int, default=4, help="random seed of the grades")


@dataclass(frozen=True)
class Built:
    code: str
    students: int
    assessments: int


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def _students(session: Session, count: int, rng: random.Random) -> list[int]:
    """``count`` new students (one shared password hash: they never sign in); their ids."""
    hash_ = passwords.hash_password("unused-bench-passphrase")
    now = utcnow()
    rows = [
        {
            "email": f"bench-{n}@example.uz",
            "password_hash": hash_,
            "first_name": rng.choice(("Dilnoza", "Aziz", "Malika", "Jasur", "Oʻgʻiloy", "=Formula")),
            "last_name": f"Student{n:06d}",
            "role": Role.STUDENT,
            "locale": "uz",
            "region_code": "UZ-TK",
            "session_token": f"bench-{n}",
            "created_at": now,
        }
        for n in range(count)
    ]
    _bulk(session, User, rows)
    return list(session.scalars(select(User.id).where(User.role == Role.STUDENT).order_by(User.id)))


def _course(session: Session, label: str, assessments: int) -> tuple[Course, list[Assessment]]:
    course = Course(
        code=f"GB-{label}",
        track=Track.BPO,
        title_uz="Baholash",
        title_ru="Оценки",
        title_en="Grading",
        hours=60,
        status=CourseStatus.PUBLISHED,
        pass_mark=60,
        late_grace_hours=2,
        late_penalty_per_day=5,
        late_floor=40,
        missing_counts_as=0,
    )
    session.add(course)
    weights = [100 // assessments + (1 if n < 100 % assessments else 0) for n in range(assessments)]
    items = []
    for n, weight in enumerate(weights):
        handed_in = n % 3 != 2
        items.append(
            Assessment(
                course=course,
                position=n + 1,
                kind=AssessmentKind.ASSIGNMENT if handed_in else AssessmentKind.EXAM,
                submission_type=SubmissionType.TEXT if handed_in else None,
                title=f"Task {n + 1}" if n % 7 else f"=Task {n + 1}",
                weight=weight,
                max_points=20 if n % 2 else 100,
                due_day=5 + n * 3,
            )
        )
    session.add_all(items)
    session.flush()
    return course, items


def _cohort(
    session: Session,
    label: str,
    course: Course,
    items: list[Assessment],
    student_ids: list[int],
    instructor_id: int,
    rng: random.Random,
) -> Built:
    """A running cohort of ``student_ids`` with grades for most cells and hand-ins for most work."""
    now = utcnow()
    cohort = Cohort(
        code=f"GB-{label}",
        course=course,
        region_code="UZ-TK",
        language="uz",
        starts_on=(now - timedelta(days=40)).date(),
        ends_on=(now + timedelta(days=60)).date(),
        enrolment_opens_at=now - timedelta(days=70),
        enrolment_closes_at=now - timedelta(days=41),
        seats=len(student_ids),
        seats_taken=len(student_ids),
    )
    session.add(cohort)
    session.flush()
    session.execute(insert(cohort_instructors), [{"cohort_id": cohort.id, "instructor_id": instructor_id}])
    _bulk(
        session,
        Enrolment,
        [
            {
                "cohort_id": cohort.id,
                "student_id": student,
                "status": EnrolmentStatus.ENROLLED,
                "created_at": now,
                "updated_at": now,
            }
            for student in student_ids
        ],
    )
    enrolment_ids = list(session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
    grades: list[dict[str, Any]] = []
    hand_ins: list[dict[str, Any]] = []
    started = now - timedelta(days=40)
    for assessment in items:
        due = started + timedelta(days=assessment.due_day or 0)
        for enrolment_id in enrolment_ids:
            roll = rng.random()
            if assessment.hand_in and roll < 0.9:
                at = due + timedelta(hours=rng.choice((-30, -5, 1, 30)))
                hand_ins.append(
                    {
                        "assessment_id": assessment.id,
                        "enrolment_id": enrolment_id,
                        "text": "done",
                        "submitted_at": at,
                    }
                )
            if roll < 0.83:  # graded, a few of them excused; the rest not graded (yet)
                excused = roll >= 0.8
                grades.append(
                    {
                        "assessment_id": assessment.id,
                        "enrolment_id": enrolment_id,
                        "points": None if excused else round(rng.uniform(0, float(assessment.max_points)), 2),
                        "excused": excused,
                        "feedback": "",
                        "graded_at": now,
                        "version": 1,
                    }
                )
    _bulk(session, Grade, grades)
    _bulk(session, Submission, hand_ins)
    progress(
        "cohort %s: %d students, %d assessments, %d grades, %d hand-ins",
        cohort.code,
        len(enrolment_ids),
        len(items),
        len(grades),
        len(hand_ins),
    )
    return Built(cohort.code, len(enrolment_ids), len(items))


@dataclass(frozen=True)
class Setting:
    page: Built
    page_small: Built
    export: Built
    export_small: Built
    instructor_email: str


def build(app: Flask, args: argparse.Namespace, students: int) -> Setting:
    rng = random.Random(args.seed)
    small_students, small_assessments = max(10, students // 10), max(2, args.assessments // 4)
    started = time.perf_counter()
    with app.app_context():
        session = get_session()
        instructor = User(
            email="instructor@bench.example.uz",
            password_hash=passwords.hash_password(PASSWORD),
            first_name="Bench",
            last_name="Instructor",
            role=Role.INSTRUCTOR,
            locale="en",
        )
        session.add(instructor)
        session.flush()
        ids = _students(session, max(students, args.export_rows, args.export_rows_small), rng)
        course, items = _course(session, "MAIN", args.assessments)
        small_course, small_items = _course(session, "SMALL", small_assessments)
        built = Setting(
            page=_cohort(session, "PAGE", course, items, ids[:students], instructor.id, rng),
            page_small=_cohort(
                session, "PAGE-S", small_course, small_items, ids[:small_students], instructor.id, rng
            ),
            export=_cohort(session, "EXPORT", course, items, ids[: args.export_rows], instructor.id, rng),
            export_small=_cohort(
                session, "EXPORT-S", course, items, ids[: args.export_rows_small], instructor.id, rng
            ),
            instructor_email=instructor.email,
        )
        session.commit()
    progress("data built in %.1fs", time.perf_counter() - started)
    if backend_name(str(app.config["DATABASE_URL"])) == "postgresql":
        analyze(database(app).engine)
    return built


def sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise BenchmarkFailed(f"signing in as {email} answered {response.status_code}")
    return client


def export_once(client: FlaskClient, code: str, rows: int) -> tuple[float, float]:
    """Stream the CSV export, throwing each chunk away; (wall, CPU) seconds taken. Checks the lines."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/teach/cohorts/{code}/gradebook/export.csv", buffered=False)
    if response.status_code != 200:
        raise BenchmarkFailed(f"the CSV export of {code} answered {response.status_code}")
    lines = 0
    try:
        for chunk in response.response:
            lines += (chunk if isinstance(chunk, bytes) else chunk.encode()).count(b"\r\n")
    finally:
        response.close()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if lines != rows + 1:
        raise BenchmarkFailed(f"the export of {code} has {lines} lines, not {rows + 1}")
    return elapsed, cpu


def export_peak_kib(client: FlaskClient, built: Built) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        export_once(client, built.code, built.students)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    return round(peak / 1024, 1)


def measure_export(client: FlaskClient, setting: Setting) -> dict[str, Any]:
    export_once(client, setting.export_small.code, setting.export_small.students)  # warm up
    seconds, cpu = export_once(client, setting.export.code, setting.export.students)
    rows = setting.export.students
    progress("export: %d rows in %.2fs (%.0f rows/s), %.2fs of CPU here", rows, seconds, rows / seconds, cpu)
    peak = export_peak_kib(client, setting.export)
    peak_small = export_peak_kib(client, setting.export_small)
    progress(
        "export peak memory: %.0f KiB (%d rows), %.0f KiB (%d rows)",
        peak,
        rows,
        peak_small,
        setting.export_small.students,
    )
    return {
        "export_rows": rows,
        "export_seconds": round(seconds, 3),
        "export_cpu_seconds": round(cpu, 3),  # of this process (the app and, on SQLite, the database)
        "export_rows_per_s": round(rows / seconds, 1),
        "export_peak_kib": peak,
        "export_rows_small": setting.export_small.students,
        "export_peak_kib_small": peak_small,
        "export_memory_ratio": round(peak / peak_small, 2) if peak_small else None,
        "export_under_limit": seconds < EXPORT_LIMIT_SECONDS,
    }


def measure_page(
    app: Flask, client: FlaskClient, setting: Setting, args: argparse.Namespace
) -> dict[str, Any]:
    floor = Page(FLOOR_PATH, "instructor")
    page = Page(f"/teach/cohorts/{setting.page.code}/gradebook", "instructor")
    small = Page(f"/teach/cohorts/{setting.page_small.code}/gradebook", "instructor")
    for _ in range(args.warmup):
        for one in (floor, page, small):
            fetch(client, one)
    counter = QueryCounter(database(app).engine)
    try:
        for one in (page, small):
            with counter.record() as statements:
                fetch(client, one)
            one.queries = list(statements)
    finally:
        counter.close()
    progress("page: %d queries; small page: %d queries", len(page.queries), len(small.queries))
    gc.collect()
    for _ in range(args.repeat):
        floor.samples.add(fetch(client, floor))
        page.samples.add(fetch(client, page))
    progress(
        "page: %.1f ms median, %.1f ms p95; floor %.2f ms",
        page.samples.median_ms,
        page.samples.p95_ms,
        floor.samples.median_ms,
    )
    return {
        "median_ms": page.samples.median_ms,
        "p95_ms": page.samples.p95_ms,
        "queries": len(page.queries),
        "queries_small": len(small.queries),
        "students_small": setting.page_small.students,
        "assessments_small": setting.page_small.assessments,
        "baseline": "floor",
        "baseline_median_ms": floor.samples.median_ms,
        "speedup": round(floor.samples.median_ms / page.samples.median_ms, 4),
        "page_under_limit": page.samples.median_ms < PAGE_LIMIT_MS,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    students = args.students or args.scale
    database_kind = backend_name(args.database_url) if args.database_url else "sqlite"
    progress(
        "gradebook benchmark: %d students x %d assessments on %s", students, args.assessments, database_kind
    )
    with temporary_database(args.database_url, "gradebook") as url:
        started = time.perf_counter()
        schema.upgrade(url)
        progress("schema migrated in %.1fs", time.perf_counter() - started)
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": url,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
            }
        )
        register_floor(app)  # before the first request
        try:
            setting = build(app, args, students)
            client = sign_in(app, setting.instructor_email)
            result: dict[str, Any] = {
                "benchmark": "gradebook",
                "students": setting.page.students,
                "assessments": setting.page.assessments,
            }
            exported = measure_export(client, setting)
            if args.only_export:
                result["page"] = "skipped (--only-export)"
            else:
                result.update(measure_page(app, client, setting, args))
            result.update(exported)
            result["database"] = database_kind
            return result
        finally:
            database(app).engine.dispose()
