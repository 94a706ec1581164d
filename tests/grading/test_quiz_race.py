"""Several tabs of one student, on separate connections at the same instant: starting the quiz gives them
all the same attempt, and submitting it scores it once, with one line in the grade's history. Run on
SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from academy import create_app
from academy.auth.models import User
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment
from academy.db import database, get_session, utcnow
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    Grade,
    GradeChange,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
)
from academy.grading.quizzes import AttemptFinished, start_attempt, submit_attempt
from academy.schema import upgrade
from benchmarks.enrol import make_cohort

TABS = 6


def _prepare(app: Flask) -> tuple[int, int, list[int]]:
    """A quiz of one question with TABS options (the first one right), and a student enrolled."""
    cohort_id, (student_id,) = make_cohort(app, seats=5, students=1, label="quiz")
    with app.app_context():
        session = get_session()
        cohort, student = session.get(Cohort, cohort_id), session.get(User, student_id)
        assert cohort is not None and student is not None
        enrolment = services.enrol(session, cohort, student, check_window=False)
        quiz = Assessment(
            course_id=cohort.course_id,
            position=1,
            kind=AssessmentKind.QUIZ,
            title="Quiz",
            weight=100,
            max_points=10,
            max_attempts=1,
        )
        question = QuizQuestion(assessment=quiz, position=1, text="Which?")
        options = [
            QuizOption(question=question, position=n, text=f"{n}", correct=n == 0) for n in range(TABS)
        ]
        session.add_all([quiz, question, *options])
        session.commit()
        return quiz.id, enrolment.id, [o.id for o in options]


def _in_tabs(app: Flask, act: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(TABS)
    outcomes: list[str] = []

    def tab(n: int) -> None:
        with app.app_context(), app.test_request_context():
            session = get_session()
            barrier.wait()
            try:
                outcome = act(n)
                session.commit()
                outcomes.append(outcome)
            except AttemptFinished:
                session.rollback()
                outcomes.append("finished")
            except Exception as error:  # any other failure is what this test looks for
                session.rollback()
                outcomes.append(f"error {error!r}")

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_tabs_start_one_attempt_and_submit_it_once(empty_database: str) -> None:
    upgrade(empty_database)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, "DATABASE_POOL_SIZE": TABS})
    try:
        quiz_id, enrolment_id, option_ids = _prepare(app)

        def loaded() -> tuple[Assessment, Enrolment]:
            session = get_session()
            quiz, enrolment = session.get(Assessment, quiz_id), session.get(Enrolment, enrolment_id)
            assert quiz is not None and enrolment is not None
            return quiz, enrolment

        def start(_tab: int) -> str:
            return str(start_attempt(get_session(), *loaded(), utcnow()).id)

        started = _in_tabs(app, start)
        assert len(set(started)) == 1 and not started[0].startswith(("error", "finished")), started
        attempt_id = int(started[0])

        def submit(tab: int) -> str:
            attempt = get_session().get(QuizAttempt, attempt_id)
            assert attempt is not None
            submit_attempt(get_session(), attempt, [option_ids[tab]], utcnow())
            return f"submitted {tab}"

        submitted = _in_tabs(app, submit)
        winners = [o for o in submitted if o.startswith("submitted")]
        assert len(winners) == 1 and submitted.count("finished") == TABS - 1, submitted
        expected = 10 if winners[0] == "submitted 0" else 0
        with app.app_context():
            session = get_session()
            attempt = session.scalars(select(QuizAttempt)).one()
            assert attempt.points == expected and attempt.submitted_at is not None
            assert [a.option_id for a in attempt.answers] == [option_ids[int(winners[0].split()[1])]]
            grade = session.scalars(select(Grade)).one()
            assert (grade.points, grade.version) == (expected, 1)
            assert len(session.scalars(select(GradeChange)).all()) == 1  # None -> the score
    finally:
        database(app).engine.dispose()
