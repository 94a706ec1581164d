"""Two tabs, one grade cell: sessions on separate connections save the same cell from the same version
at the same instant. One change is saved; every other save gets StaleGrade (409), the first value
stands, the history holds exactly one change, and the student (the assessment is released) is told
once. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from academy import create_app
from academy.auth.models import Role, User
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment
from academy.db import database, get_session, utcnow
from academy.grading.models import Assessment, AssessmentKind, CohortAssessment, Grade, GradeChange
from academy.grading.services import GradeValue, StaleGrade, save_grade
from academy.notifications.models import Notification, NotificationKind
from academy.schema import upgrade
from benchmarks.enrol import make_cohort

TABS = 6


def _prepare(app: Flask, released: bool = False) -> tuple[int, int, int]:
    """A cohort with one student, an exam (released when asked) and an instructor: their ids."""
    cohort_id, (student_id,) = make_cohort(app, seats=5, students=1, label="grade")
    with app.app_context():
        session = get_session()
        cohort = session.get(Cohort, cohort_id)
        student = session.get(User, student_id)
        assert cohort is not None and student is not None
        enrolment = services.enrol(session, cohort, student, check_window=False)
        task = Assessment(
            course_id=cohort.course_id,
            position=1,
            kind=AssessmentKind.EXAM,
            title="Exam",
            weight=100,
            max_points=100,
        )
        teacher = User(
            email="grade-teacher@example.uz",
            password_hash="x",
            first_name="T",
            last_name="T",
            role=Role.INSTRUCTOR,
        )
        session.add_all([task, teacher])
        if released:
            session.flush()
            session.add(CohortAssessment(cohort_id=cohort.id, assessment_id=task.id, released_at=utcnow()))
        session.commit()
        return task.id, enrolment.id, teacher.id


@pytest.mark.parametrize("starting_version", [0, 1], ids=["new cell", "graded cell"])
def test_simultaneous_saves_of_one_cell(empty_database: str, starting_version: int) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": TABS})
    try:
        task_id, enrolment_id, teacher_id = _prepare(app, released=True)
        with app.app_context():
            session = get_session()
            if starting_version:
                task, enrolment, teacher = (
                    session.get(Assessment, task_id),
                    session.get(Enrolment, enrolment_id),
                    session.get(User, teacher_id),
                )
                assert task and enrolment and teacher
                save_grade(session, task, enrolment, GradeValue(points=1), 0, teacher)
                session.commit()
        barrier = threading.Barrier(TABS)
        outcomes: list[str] = []

        def save(tab: int) -> None:
            with app.app_context(), app.test_request_context():
                session = get_session()
                barrier.wait()
                try:
                    task = session.get(Assessment, task_id)
                    enrolment = session.get(Enrolment, enrolment_id)
                    teacher = session.get(User, teacher_id)
                    assert task and enrolment and teacher
                    points = 10 + tab
                    save_grade(session, task, enrolment, GradeValue(points=points), starting_version, teacher)
                    session.commit()
                    outcomes.append(f"saved {points}")
                except StaleGrade:
                    # The conflict leaves the caller's transaction usable (it can show what stands now).
                    session.scalar(select(Grade.version))
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
        winner = float(saved[0].removeprefix("saved "))
        with app.app_context():
            session = get_session()
            grade = session.scalars(select(Grade)).one()
            assert (grade.points, grade.version) == (winner, starting_version + 1)
            changes = session.scalars(select(GradeChange).order_by(GradeChange.id)).all()
            assert len(changes) == starting_version + 1  # the setup's grade, if any, and one change
            assert changes[-1].new_points == winner
            assert changes[-1].old_points == (1 if starting_version else None)
            told = (NotificationKind.GRADE_GIVEN, NotificationKind.GRADE_UPDATED)
            news = session.scalars(
                select(Notification.kind).where(Notification.kind.in_(told)).order_by(Notification.id)
            ).all()
            assert news == list(told[: starting_version + 1])  # the setup's grade, if any, and the change
    finally:
        database(app).engine.dispose()
