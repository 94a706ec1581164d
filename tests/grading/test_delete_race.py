"""Deleting an assessment while a student hands in work or starts the quiz, on two connections.

Whichever comes first wins and the other sees what it did: work that lands first makes the deletion
refuse (the assessment is in use, the work stays); a deletion that comes first makes the hand-in or
the start find nothing (404), and no work is lost to the cascade. The second transaction is shown
to wait for the first before it decides. Run on SQLite and on PostgreSQL (where the row locks of
``academy.grading.locks`` do it; SQLite runs one writer at a time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy import create_app
from academy.auth.models import User
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment
from academy.db import database, get_session, utcnow
from academy.errors import DomainError, NotFound
from academy.grading.authoring import AssessmentInUse, delete_assessment
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    Submission,
    SubmissionType,
)
from academy.grading.quizzes import start_attempt
from academy.grading.submissions import HandIn, submit_work
from academy.schema import upgrade
from benchmarks.enrol import make_cohort

WAIT = 0.5  # long enough for the second transaction to reach the lock it waits on


def _prepare(app: Flask, kind: AssessmentKind) -> tuple[int, int]:
    """An enrolled student and an assessment worth 0 (deleting it never moves the course's total)."""
    cohort_id, (student_id,) = make_cohort(app, seats=5, students=1, label=f"del-{kind.value[:4]}")
    with app.app_context():
        session = get_session()
        cohort, student = session.get(Cohort, cohort_id), session.get(User, student_id)
        assert cohort is not None and student is not None
        enrolment = services.enrol(session, cohort, student, check_window=False)
        quiz = kind is AssessmentKind.QUIZ
        assessment = Assessment(
            course_id=cohort.course_id,
            position=1,
            kind=kind,
            title="Work",
            weight=0,
            max_points=10,
            max_attempts=1,
            submission_type=None if quiz else SubmissionType.TEXT,
        )
        session.add(assessment)
        if quiz:
            question = QuizQuestion(assessment=assessment, position=1, text="Which?")
            session.add_all(
                [QuizOption(question=question, position=n, text=f"{n}", correct=n == 0) for n in (0, 1)]
            )
        session.commit()
        return assessment.id, enrolment.id


def _work(session: Session, assessment_id: int, enrolment_id: int) -> None:
    assessment, enrolment = session.get(Assessment, assessment_id), session.get(Enrolment, enrolment_id)
    if assessment is None:  # deleted before this read (SQLite): the page answers 404 as well
        raise NotFound()
    assert enrolment is not None
    if assessment.kind is AssessmentKind.QUIZ:
        start_attempt(session, assessment, enrolment, utcnow())
    else:
        submit_work(session, assessment, enrolment, HandIn(text="My answer"), utcnow())
    session.flush()


def _delete(session: Session, assessment_id: int, _enrolment_id: int) -> None:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise AssessmentInUse("gone")  # never expected: the assessment is deleted only here
    delete_assessment(session, assessment, assessment.version)


Step = Callable[[Session, int, int], None]


def _race(app: Flask, first: Step, second: Step, assessment_id: int, enrolment_id: int) -> str:
    """Run ``first`` and keep its transaction open; run ``second`` on another connection meanwhile,
    check that it waits, commit ``first``; what ``second`` came to."""
    outcome: list[str] = []

    def run_second() -> None:
        with app.app_context(), app.test_request_context():
            session = get_session()
            try:
                second(session, assessment_id, enrolment_id)
                session.commit()
                outcome.append("done")
            except DomainError as error:
                session.rollback()
                outcome.append(type(error).__name__)
            except Exception as error:  # any other failure is what this test looks for
                session.rollback()
                outcome.append(f"error {error!r}")

    with app.app_context(), app.test_request_context():
        session = get_session()
        first(session, assessment_id, enrolment_id)
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(WAIT)
        waited = thread.is_alive()
        session.commit()
    thread.join()
    assert waited, f"the second transaction did not wait for the first: {outcome}"
    return outcome[0]


def _counts(app: Flask, assessment_id: int) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        assessments = session.scalar(select(func.count()).where(Assessment.id == assessment_id)) or 0
        work = sum(
            session.scalar(
                select(func.count()).select_from(model).where(model.assessment_id == assessment_id)
            )
            or 0
            for model in (Submission, QuizAttempt)
        )
        return assessments, work


@pytest.mark.parametrize("kind", [AssessmentKind.ASSIGNMENT, AssessmentKind.QUIZ], ids=["hand-in", "quiz"])
@pytest.mark.parametrize("work_first", [True, False], ids=["work first", "deletion first"])
def test_deleting_while_work_arrives(empty_database: str, kind: AssessmentKind, work_first: bool) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": 4})
    try:
        assessment_id, enrolment_id = _prepare(app, kind)
        if work_first:
            assert _race(app, _work, _delete, assessment_id, enrolment_id) == "AssessmentInUse"
            assert _counts(app, assessment_id) == (1, 1)  # the work and the assessment stay
        else:
            assert _race(app, _delete, _work, assessment_id, enrolment_id) == "NotFound"
            assert _counts(app, assessment_id) == (0, 0)
    finally:
        database(app).engine.dispose()
