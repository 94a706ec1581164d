"""``finish-quiz-attempts``: attempts left open past their deadline count without their student."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.cohorts.models import Enrolment
from academy.db import utcnow
from academy.grading.models import QuizAttempt
from academy.grading.quizzes import finish_all_expired, save_answers, start_attempt
from academy.grading.services import grade_of
from tests.conftest import Factory
from tests.grading.quiz_data import Quiz, cohort_fixture, place_fixture, quiz_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_expired_attempts_of_every_student_are_finished_once(
    db: Session, make: Factory, quiz: Quiz, place: Enrolment
) -> None:
    started = utcnow() - timedelta(hours=1)  # a 15-minute quiz, long over
    left = start_attempt(db, quiz.assessment, place, started)
    save_answers(db, left, quiz.ids("right"), started + timedelta(minutes=5))
    other = make.enrolment(place.cohort)
    running = start_attempt(db, quiz.assessment, other, utcnow() - timedelta(minutes=5))  # time left
    assert finish_all_expired(db, utcnow()) == 1
    assert left.submitted_at is not None and left.points == 5  # the answers saved before the deadline
    assert running.submitted_at is None
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and grade.points == 5  # the best attempt became the grade
    assert grade_of(db, quiz.id, other.id) is None
    assert finish_all_expired(db, utcnow()) == 0  # nothing twice


def test_the_command_finishes_and_says_how_many(
    app: Flask, db: Session, quiz: Quiz, place: Enrolment
) -> None:
    start_attempt(db, quiz.assessment, place, utcnow() - timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["finish-quiz-attempts"])
    assert result.exit_code == 0, result.output
    assert "1 quiz attempts finished." in result.output
    assert db.scalars(select(QuizAttempt.points)).one() == 0  # nothing was answered
    help_text = app.test_cli_runner().invoke(args=["finish-quiz-attempts", "--help"]).output
    assert "cron" in help_text and "best" in help_text
