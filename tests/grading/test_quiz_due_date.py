"""Moving a cohort's due date of a quiz: open attempts of that cohort end by the new date at the latest;
finished attempts, other cohorts' attempts and a later date leave deadlines alone."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.timetable import local_to_utc
from academy.grading.quizzes import QuizClosed, start_attempt, submit_attempt
from academy.grading.release import move_due_date
from tests.conftest import Factory
from tests.grading.quiz_data import Quiz, cohort_fixture, make_quiz, place_fixture, quiz_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_an_earlier_due_date_shortens_open_attempts_only(
    db: Session, make: Factory, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    start = local_to_utc(cohort.starts_on + timedelta(days=2), time(10))
    limit = start + timedelta(minutes=15)
    running = start_attempt(db, quiz.assessment, place, start)
    finished = start_attempt(db, quiz.assessment, make.enrolment(cohort), start)
    submit_attempt(db, finished, [], start + timedelta(minutes=1))
    elsewhere = start_attempt(db, quiz.assessment, make.enrolment(make.cohort(cohort.course)), start)
    assert running.deadline_at == finished.deadline_at == elsewhere.deadline_at == limit

    earlier = start + timedelta(minutes=5)
    move_due_date(db, cohort, quiz.assessment, earlier, 0)
    db.expire_all()
    assert running.deadline_at == earlier and running.submitted_at is None
    assert finished.deadline_at == limit and elsewhere.deadline_at == limit

    move_due_date(db, cohort, quiz.assessment, start + timedelta(days=3), 1)  # later: never lengthened
    db.expire_all()
    assert running.deadline_at == earlier


def test_going_back_to_an_earlier_course_day_shortens_too(
    db: Session, make: Factory, cohort: Cohort, place: Enrolment
) -> None:
    quiz = make_quiz(db, make, cohort.course, time_limit_minutes=None, due_day=1)
    moved = local_to_utc(cohort.starts_on + timedelta(days=9), time(18))
    move_due_date(db, cohort, quiz.assessment, moved, 0)
    start = local_to_utc(cohort.starts_on + timedelta(days=1), time(9))
    attempt = start_attempt(db, quiz.assessment, place, start)
    assert attempt.deadline_at == moved  # no time limit: the due date itself
    move_due_date(db, cohort, quiz.assessment, None, 1)  # the course's day 2, 23:59
    db.expire_all()
    assert attempt.deadline_at == local_to_utc(cohort.starts_on + timedelta(days=1), time(23, 59, 59))
    with pytest.raises(QuizClosed):  # past the new date the open attempt is finished, none starts
        start_attempt(db, quiz.assessment, place, attempt.deadline_at + timedelta(minutes=5))
    db.expire_all()
    assert attempt.submitted_at == attempt.deadline_at
