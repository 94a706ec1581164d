"""Two instructors act on one assessment of a cohort at the same instant, on separate connections:
releases tell each student once (every other press is a conflict or finds the grades released),
and of due dates moved from the same version one is saved and the others are conflicts.
Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy import create_app
from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.timetable import local_to_utc
from academy.db import database, get_session
from academy.errors import Conflict
from academy.grading.models import Assessment, CohortAssessment
from academy.grading.release import move_due_date, release_grades
from academy.grading.services import GradeValue, save_grade
from academy.notifications.models import Notification, NotificationKind
from academy.schema import upgrade
from tests.grading.test_delete_race import _race as _race_two
from tests.grading.test_grade_race import TABS, _prepare

Action = Callable[[Session, Cohort, Assessment, User, int], str]


def _race(app: Flask, row_exists: bool, action: Action) -> tuple[list[str], int, int, int]:
    """Run ``action`` in TABS threads at once; their outcomes, and the cohort, task and teacher ids."""
    task_id, enrolment_id, teacher_id = _prepare(app)
    with app.app_context():
        session = get_session()
        task, enrolment, teacher = (
            session.get(Assessment, task_id),
            session.get(Enrolment, enrolment_id),
            session.get(User, teacher_id),
        )
        assert task and enrolment and teacher
        save_grade(session, task, enrolment, GradeValue(points=7), 0, teacher)
        if row_exists:
            move_due_date(session, enrolment.cohort, task, None, 0)
        cohort_id = enrolment.cohort_id
        session.commit()
    barrier = threading.Barrier(TABS)
    outcomes: list[str] = []

    def run(tab: int) -> None:
        with app.app_context(), app.test_request_context():
            session = get_session()
            barrier.wait()
            try:
                cohort = session.get(Cohort, cohort_id)
                task = session.get(Assessment, task_id)
                teacher = session.get(User, teacher_id)
                assert cohort and task and teacher
                outcome = action(session, cohort, task, teacher, tab)
                session.commit()
                outcomes.append(outcome)
            except Conflict:
                session.rollback()
                outcomes.append("conflict")
            except Exception as error:  # any other failure is what this test looks for
                session.rollback()
                outcomes.append(f"error {error!r}")

    threads = [threading.Thread(target=run, args=(tab,)) for tab in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, cohort_id, task_id, teacher_id


@pytest.mark.parametrize("row_exists", [False, True], ids=["first change", "due date moved before"])
def test_simultaneous_releases_tell_each_student_once(empty_database: str, row_exists: bool) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": TABS})
    try:
        outcomes, cohort_id, task_id, teacher_id = _race(
            app, row_exists, lambda s, c, a, t, _tab: f"told {release_grades(s, c, a, t)}"
        )
        assert outcomes.count("told 1") == 1, outcomes
        assert all(o in ("told 0", "conflict") for o in outcomes if o != "told 1"), outcomes
        with app.app_context():
            session = get_session()
            news = session.scalars(
                select(Notification).where(Notification.kind == NotificationKind.GRADES_RELEASED)
            ).all()
            assert [(n.assessment_id, n.cohort_id) for n in news] == [(task_id, cohort_id)]
            row = session.get(CohortAssessment, (cohort_id, task_id))
            assert row is not None and row.released_at is not None and row.released_by_id == teacher_id
    finally:
        database(app).engine.dispose()


@pytest.mark.parametrize("row_exists", [False, True], ids=["first change", "due date moved before"])
def test_simultaneous_due_dates_from_one_version_save_one(empty_database: str, row_exists: bool) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": TABS})

    def move(session: Session, cohort: Cohort, task: Assessment, _teacher: User, tab: int) -> str:
        due = local_to_utc(cohort.starts_on + timedelta(days=tab + 1), time(12))
        move_due_date(session, cohort, task, due, 1 if row_exists else 0)
        return f"moved {due.isoformat()}"

    try:
        outcomes, cohort_id, task_id, _ = _race(app, row_exists, move)
        moved = [o for o in outcomes if o.startswith("moved")]
        assert len(moved) == 1 and outcomes.count("conflict") == TABS - 1, outcomes
        with app.app_context():
            row = get_session().get(CohortAssessment, (cohort_id, task_id))
            assert row is not None and row.due_at is not None
            assert f"moved {row.due_at.isoformat()}" == moved[0]
            assert row.version == (2 if row_exists else 1)
    finally:
        database(app).engine.dispose()


@pytest.mark.parametrize("grade_first", [True, False], ids=["grade first", "release first"])
def test_a_grade_saved_as_the_grades_are_released_is_announced_once(
    empty_database: str, grade_first: bool
) -> None:
    """The grade's transaction stays open while the release runs on another connection (or the other
    way round): the second waits for the first, and the student hears of the grade exactly once,
    from the release ("grades released") or from the grade ("grade given")."""
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": 4})
    try:
        task_id, enrolment_id, teacher_id = _prepare(app)

        def grade(session: Session, assessment_id: int, enrolment_id: int) -> None:
            task, enrolment = session.get(Assessment, assessment_id), session.get(Enrolment, enrolment_id)
            assert task and enrolment
            save_grade(session, task, enrolment, GradeValue(points=70), 0, session.get(User, teacher_id))
            session.flush()

        def release(session: Session, assessment_id: int, enrolment_id: int) -> None:
            task, enrolment = session.get(Assessment, assessment_id), session.get(Enrolment, enrolment_id)
            assert task and enrolment
            release_grades(session, enrolment.cohort, task, session.get(User, teacher_id))  # type: ignore[arg-type]
            session.flush()

        first, second = (grade, release) if grade_first else (release, grade)
        assert _race_two(app, first, second, task_id, enrolment_id) == "done"
        with app.app_context():
            session = get_session()
            enrolment = session.get(Enrolment, enrolment_id)
            assert enrolment is not None
            kinds = session.scalars(
                select(Notification.kind).where(
                    Notification.user_id == enrolment.student_id, Notification.assessment_id == task_id
                )
            ).all()
        expected = NotificationKind.GRADES_RELEASED if grade_first else NotificationKind.GRADE_GIVEN
        assert kinds == [expected]
    finally:
        database(app).engine.dispose()
