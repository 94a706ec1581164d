"""Issuing at the same instant from separate connections: the same enrolment gets one certificate,
and different enrolments get unique, consecutive serial numbers. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from academy import create_app
from academy.auth.models import Role, User
from academy.certificates.models import Certificate, CertificateEvent
from academy.certificates.serials import parse_serial
from academy.certificates.services import issue_certificate
from academy.cohorts.models import Enrolment, EnrolmentStatus
from academy.db import database, get_session, utcnow
from academy.grading.models import Assessment, AssessmentKind, Grade
from academy.schema import upgrade
from benchmarks.enrol import make_cohort

WORKERS = 6


def _prepare(app: Flask, students: int) -> tuple[list[int], int]:
    """Completed, passing enrolments of one finished online cohort, and an admin (committed)."""
    cohort_id, student_ids = make_cohort(app, seats=students, students=students, label="cert")
    with app.app_context():
        session = get_session()
        enrolments = [
            Enrolment(cohort_id=cohort_id, student_id=student_id, status=EnrolmentStatus.COMPLETED)
            for student_id in student_ids
        ]
        admin = User(
            email="cert-admin@example.uz", password_hash="x", first_name="A", last_name="A", role=Role.ADMIN
        )
        session.add_all([*enrolments, admin])
        session.flush()
        course_id = enrolments[0].cohort.course_id
        exam = Assessment(
            course_id=course_id,
            position=1,
            kind=AssessmentKind.EXAM,
            title="Exam",
            weight=100,
            max_points=100,
        )
        session.add(exam)
        session.flush()
        session.add_all(Grade(assessment_id=exam.id, enrolment_id=e.id, points=90) for e in enrolments)
        session.commit()
        return [e.id for e in enrolments], admin.id


def _run_together(app: Flask, targets: list[int], admin_id: int) -> list[str]:
    barrier = threading.Barrier(len(targets))
    outcomes: list[str] = []
    now = utcnow() + timedelta(days=60)  # after the cohort's end

    def issue(enrolment_id: int) -> None:
        with app.app_context(), app.test_request_context():
            session = get_session()
            barrier.wait()
            try:
                enrolment = session.get_one(Enrolment, enrolment_id)
                certificate = issue_certificate(session, enrolment, session.get_one(User, admin_id), now)
                serial = certificate.serial
                session.commit()
                outcomes.append(serial)
            except Exception as error:  # any failure is what this test looks for
                session.rollback()
                outcomes.append(f"error {error!r}")

    threads = [threading.Thread(target=issue, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _with_app(empty_database: str, check: Callable[[Flask], None]) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": WORKERS})
    try:
        check(app)
    finally:
        database(app).engine.dispose()


def test_one_enrolment_issued_from_many_connections_gets_one_certificate(empty_database: str) -> None:
    def check(app: Flask) -> None:
        (enrolment_id,), admin_id = _prepare(app, students=1)
        outcomes = _run_together(app, [enrolment_id] * WORKERS, admin_id)
        assert not [o for o in outcomes if o.startswith("error")], outcomes
        assert len(set(outcomes)) == 1, outcomes  # every caller got the same certificate
        with app.app_context():
            session = get_session()
            assert session.scalar(select(func.count()).select_from(Certificate)) == 1
            assert session.scalar(select(func.count()).select_from(CertificateEvent)) == 1
            assert parse_serial(outcomes[0]).number == 1  # numbers given back by the losers are reused

    _with_app(empty_database, check)


def test_serials_issued_at_once_are_unique_and_consecutive(empty_database: str) -> None:
    def check(app: Flask) -> None:
        enrolment_ids, admin_id = _prepare(app, students=WORKERS)
        outcomes = _run_together(app, enrolment_ids, admin_id)
        assert not [o for o in outcomes if o.startswith("error")], outcomes
        assert sorted(parse_serial(o).number for o in outcomes) == list(range(1, WORKERS + 1))
        with app.app_context():
            serials = get_session().scalars(select(Certificate.serial)).all()
            assert sorted(serials) == sorted(outcomes)

    _with_app(empty_database, check)
