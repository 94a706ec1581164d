"""The ``enrol`` benchmark: many students enrol in one cohort at the same instant, again and again.

Each run builds a cohort of ``--seats`` seats and ``--scale`` students, then starts one thread per
student, each on its own connection, released together by a barrier. The run checks what must hold
(exactly ``seats`` enrolled, the rest waitlisted with positions 1..n, no errors) and counts any
overbooking. The tests use :func:`race` too.
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from academy import create_app
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.services import enrol, waitlist_position
from academy.courses.models import Course, CourseStatus
from academy.db import database, get_session, utcnow
from academy.schema import upgrade
from academy.tracks import Track
from benchmarks.harness import BenchmarkFailed, positive_int, progress, temporary_database

HELP = "simultaneous enrolments in one cohort: overbooking, errors and enrolments per second"
DEFAULT_SCALE = 200
DEFAULT_REPEAT = 20


@dataclass
class RaceResult:
    seconds: float
    errors: list[str] = field(default_factory=list)


def make_cohort(app: Flask, seats: int, students: int, label: str) -> tuple[int, list[int]]:
    """A published course's open cohort with ``seats`` seats, and ``students`` new students (committed)."""
    with app.app_context():
        session = get_session()
        now = utcnow()
        course = Course(
            code=f"RACE-{label}",
            track=Track.BPO,
            title_uz="Poyga",
            title_ru="Гонка",
            title_en="Race",
            hours=10,
            status=CourseStatus.PUBLISHED,
        )
        cohort = Cohort(
            code=f"RACE-{label}",
            course=course,
            region_code=None,
            language="en",
            starts_on=(now + timedelta(days=7)).date(),
            ends_on=(now + timedelta(days=30)).date(),
            enrolment_opens_at=now - timedelta(days=1),
            enrolment_closes_at=now + timedelta(days=6),
            seats=seats,
        )
        shared_hash = passwords.hash_password("race-passphrase")
        people = [
            User(
                email=f"race-{label}-{n}@example.uz",
                password_hash=shared_hash,
                first_name="Race",
                last_name=str(n),
                role=Role.STUDENT,
                locale="en",
            )
            for n in range(students)
        ]
        session.add_all([cohort, *people])
        session.commit()
        return cohort.id, [p.id for p in people]


# Two hundred writers queue for one cohort: enough connections for them, and a lock wait long
# enough that a slow machine makes the race slower, never wrong.
RACE_SETTINGS = {"DATABASE_POOL_SIZE": 20, "DATABASE_MAX_OVERFLOW": 60, "DATABASE_LOCK_TIMEOUT": 300}


def race(app: Flask, cohort_id: int, student_ids: list[int]) -> RaceResult:
    """Every student enrols at once, each from its own thread, session and connection."""
    barrier = threading.Barrier(len(student_ids))
    errors: list[str] = []
    lock = threading.Lock()

    def attempt(student_id: int) -> None:
        with app.app_context():
            session = get_session()
            try:
                barrier.wait(timeout=60)
                cohort = session.get(Cohort, cohort_id)
                student = session.get(User, student_id)
                assert cohort is not None and student is not None
                enrol(session, cohort, student)
                session.commit()
            except Exception as error:  # every failure is counted and reported
                session.rollback()
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=attempt, args=(sid,)) for sid in student_ids]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return RaceResult(seconds=time.perf_counter() - started, errors=errors)


@dataclass
class Outcome:
    enrolled: int
    waitlisted: int
    positions: list[int]
    seats_taken: int
    waitlist_length: int


def outcome(app: Flask, cohort_id: int) -> Outcome:
    """What the database says after a race."""
    with app.app_context():
        session = get_session()
        counts = dict(
            session.execute(
                select(Enrolment.status, func.count())
                .where(Enrolment.cohort_id == cohort_id)
                .group_by(Enrolment.status)
            ).all()
        )
        waiting = session.scalars(
            select(Enrolment).where(
                Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED
            )
        ).all()
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        return Outcome(
            enrolled=counts.get(EnrolmentStatus.ENROLLED, 0),
            waitlisted=counts.get(EnrolmentStatus.WAITLISTED, 0),
            positions=sorted(waitlist_position(session, e) or 0 for e in waiting),
            seats_taken=cohort.seats_taken,
            waitlist_length=cohort.waitlist_length,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seats", type=positive_int, default=30, help="seats in the cohort (default: %(default)s)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    runs, students, seats = args.repeat, args.scale, args.seats
    with temporary_database(args.database_url, "enrol") as url:
        upgrade(url)
        app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, **RACE_SETTINGS})
        overbooked = errors = wrong_waitlists = 0
        durations = []
        try:
            for n in range(runs):
                cohort_id, student_ids = make_cohort(app, seats, students, f"{n}")
                result = race(app, cohort_id, student_ids)
                seen = outcome(app, cohort_id)
                durations.append(result.seconds)
                errors += len(result.errors)
                overbooked += max(0, seen.enrolled - seats) + max(0, seen.seats_taken - seats)
                expected = list(range(1, students - seats + 1))
                wrong_waitlists += seen.positions != expected or seen.waitlist_length != len(expected)
                progress(
                    "run %d: %.2fs, %d enrolled, %d waitlisted, %d errors%s",
                    n + 1,
                    result.seconds,
                    seen.enrolled,
                    seen.waitlisted,
                    len(result.errors),
                    f" (first: {result.errors[0]})" if result.errors else "",
                )
        finally:
            database(app).engine.dispose()
    if not durations:
        raise BenchmarkFailed("no run")
    total = sum(durations)
    return {
        "benchmark": "enrol",
        "runs": runs,
        "students": students,
        "seats": seats,
        "overbooked": overbooked,
        "errors": errors,
        "wrong_waitlists": wrong_waitlists,
        "enrolments_per_s": round(runs * students / total, 1),
        "median_ms": round(sorted(durations)[len(durations) // 2] * 1000, 2),
        "database": url.split(":", 1)[0].split("+", 1)[0],
    }
