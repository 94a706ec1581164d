"""Two tabs, one register: many saves of the same register at the same instant, from separate threads
and connections. Exactly one wins; every other gets RegisterChanged and writes nothing."""

from __future__ import annotations

import threading
from datetime import time

from flask import Flask
from sqlalchemy import select

from academy import create_app
from academy.auth.models import Role, User
from academy.cohorts import services
from academy.cohorts.attendance import RegisterChanged, record_attendance, register
from academy.cohorts.models import AttendanceStatus, Cohort, CohortSession
from academy.cohorts.timetable import local_to_utc, to_local
from academy.db import database, get_session, utcnow
from academy.schema import upgrade
from benchmarks.enrol import make_cohort

TABS = 8


def _prepare(app: Flask) -> tuple[int, int, list[int]]:
    cohort_id, student_ids = make_cohort(app, seats=10, students=4, label="register")
    with app.app_context():
        session = get_session()
        cohort = session.get(Cohort, cohort_id)
        assert cohort is not None
        for student in session.scalars(select(User).where(User.id.in_(student_ids))):
            services.enrol(session, cohort, student, check_window=False)
        teacher = User(
            email="register-teacher@example.uz",
            password_hash="x",
            first_name="T",
            last_name="T",
            role=Role.INSTRUCTOR,
            locale="en",
        )
        starts_at = local_to_utc(to_local(utcnow()).date(), time(0, 0))
        lesson = CohortSession(cohort_id=cohort_id, starts_at=starts_at, ends_at=starts_at.replace(hour=23))
        session.add_all([teacher, lesson])
        session.commit()
        return lesson.id, teacher.id, student_ids


def test_simultaneous_saves_of_one_register(empty_database: str) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": TABS})
    try:
        lesson_id, teacher_id, student_ids = _prepare(app)
        marks = list(AttendanceStatus)
        barrier = threading.Barrier(TABS)
        outcomes: list[str] = []

        def save(tab: int) -> None:
            with app.app_context():
                session = get_session()
                mark = marks[tab % len(marks)]
                barrier.wait()
                try:
                    lesson = session.get(CohortSession, lesson_id)
                    teacher = session.get(User, teacher_id)
                    assert lesson is not None and teacher is not None
                    record_attendance(session, lesson, dict.fromkeys(student_ids, mark), 0, teacher)
                    session.commit()
                    outcomes.append(f"saved {mark.value}")
                except RegisterChanged:
                    session.rollback()
                    outcomes.append("conflict")
                except Exception as error:  # any other failure is what this test looks for
                    session.rollback()
                    outcomes.append(f"error {error!r}")

        threads = [threading.Thread(target=save, args=(tab,)) for tab in range(TABS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        saved = [o for o in outcomes if o.startswith("saved")]
        assert len(saved) == 1 and outcomes.count("conflict") == TABS - 1, outcomes
        with app.app_context():
            session = get_session()
            lesson = session.get(CohortSession, lesson_id)
            assert lesson is not None and lesson.attendance_version == 1
            winner = AttendanceStatus(saved[0].removeprefix("saved "))
            assert register(session, lesson_id) == dict.fromkeys(student_ids, winner)
    finally:
        database(app).engine.dispose()
