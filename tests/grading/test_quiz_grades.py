"""The grade a quiz gives: the best finished attempt, with its history, unless a person has set it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import Enrolment
from academy.db import utcnow
from academy.grading.models import Grade, GradeChange, GradeSource
from academy.grading.quizzes import start_attempt, submit_attempt
from academy.grading.services import GradeValue, grade_of, save_grade
from tests.conftest import Factory
from tests.grading.quiz_data import Quiz, cohort_fixture, place_fixture, quiz_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("app_ctx")


def _changes(db: Session) -> list[GradeChange]:
    return list(db.scalars(select(GradeChange).order_by(GradeChange.id)))


def test_the_best_attempt_is_the_grade_with_a_quiz_history(db: Session, quiz: Quiz, place: Enrolment) -> None:
    for chosen in (["right"], ["right", "a", "b"], []):
        submit_attempt(db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids(*chosen), utcnow())
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and (grade.points, grade.graded_by_id) == (20, None)
    changes = _changes(db)
    assert [(c.old_points, c.new_points) for c in changes] == [(None, 5), (5, 20)]
    assert all(c.source is GradeSource.QUIZ and c.actor_id is None for c in changes)


def test_an_instructors_grade_is_not_overwritten_by_a_later_attempt(
    db: Session, make: Factory, quiz: Quiz, place: Enrolment
) -> None:
    submit_attempt(db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("right"), utcnow())
    teacher = make.user(Role.INSTRUCTOR)
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None
    save_grade(
        db, quiz.assessment, place, GradeValue(points=12, feedback="Oral retake"), grade.version, teacher
    )
    submit_attempt(
        db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("right", "a", "b"), utcnow()
    )
    db.expire_all()
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and (grade.points, grade.feedback, grade.graded_by_id) == (
        12,
        "Oral retake",
        teacher.id,
    )
    assert [c.source for c in _changes(db)] == [GradeSource.QUIZ, GradeSource.MANUAL]


def test_an_imported_grade_is_not_overwritten_either(
    db: Session, make: Factory, quiz: Quiz, place: Enrolment
) -> None:
    teacher = make.user(Role.INSTRUCTOR)
    save_grade(db, quiz.assessment, place, GradeValue(points=3), 0, teacher, source=GradeSource.IMPORT)
    submit_attempt(
        db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("right", "a", "b"), utcnow()
    )
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and grade.points == 3


def test_a_new_best_keeps_the_instructors_feedback(
    db: Session, make: Factory, quiz: Quiz, place: Enrolment
) -> None:
    submit_attempt(db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("right"), utcnow())
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None
    # Feedback alone leaves no history line, so the quiz still owns the points.
    save_grade(
        db,
        quiz.assessment,
        place,
        GradeValue(points=5, feedback="Revise module 2"),
        grade.version,
        make.user(Role.INSTRUCTOR),
    )
    submit_attempt(db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("a", "b"), utcnow())
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and (grade.points, grade.feedback) == (15, "Revise module 2")


def test_a_grade_saved_meanwhile_is_read_again_not_a_lost_submission(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    submit_attempt(db, start_attempt(db, quiz.assessment, place, utcnow()), quiz.ids("right"), utcnow())
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and grade.version == 1
    # An instructor adds feedback from another tab: the row moves on, this session's copy does not.
    db.execute(
        update(Grade)
        .where(Grade.id == grade.id)
        .values(feedback="Well done", version=2)
        .execution_options(synchronize_session=False)
    )
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    submit_attempt(db, attempt, quiz.ids("right", "a", "b"), utcnow())
    db.expire_all()
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and (grade.points, grade.feedback, grade.version) == (20, "Well done", 3)
    assert attempt.submitted_at is not None
    assert [(c.old_points, c.new_points) for c in _changes(db)] == [(None, 5), (5, 20)]
