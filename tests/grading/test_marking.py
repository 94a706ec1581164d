"""The grading view's rules without HTTP: a cell's history, neighbours in one query, the reason asked
for changing a given grade, and how late a hand-in was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.grading.history import cell_history
from academy.grading.marking import ReasonRequired, lateness, mark, neighbours
from academy.grading.models import AssessmentKind, GradeSource, QuizAttempt, Submission
from academy.grading.results import Policy
from academy.grading.services import GradeValue, StaleGrade, grade_of, save_grade
from tests.conftest import Factory, QueryCounter

pytestmark = pytest.mark.usefixtures("app_ctx")
T0 = datetime(2026, 3, 2, 18, 59, tzinfo=UTC)


def test_cell_history_is_newest_first_with_the_actor_loaded(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment, other = make.enrolment(cohort), make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR, first_name="Nodira")
    save_grade(db, task, enrolment, GradeValue(points=50), 0, teacher, now=T0)
    save_grade(db, task, other, GradeValue(points=10), 0, teacher, now=T0)  # another cell
    save_grade(db, task, enrolment, GradeValue(points=70), 1, teacher, "recount", now=T0 + timedelta(hours=1))
    save_grade(db, task, enrolment, GradeValue(points=90), None, None, source=GradeSource.QUIZ, now=T0)
    task_id, enrolment_id = task.id, enrolment.id
    db.expire_all()
    before = count_queries.count
    history = cell_history(db, task_id, enrolment_id)
    names = [change.actor.first_name if change.actor else None for change in history]
    assert count_queries.count - before == 1  # the actors came with the changes
    assert [(c.old_points, c.new_points) for c in history] == [(50, 70), (70, 90), (None, 50)]
    assert names == ["Nodira", None, "Nodira"] and history[0].reason == "recount"


def test_neighbours_take_one_query_and_follow_surname_first_name_id(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    people = [("Valiev", "Botir"), ("Alimov", "Sardor"), ("Alimov", "Sardor"), ("Alimova", "Aziza")]
    made = [make.enrolment(cohort, make.user(last_name=last, first_name=first)) for last, first in people]
    make.enrolment(cohort, make.user(last_name="Aaron"), status=EnrolmentStatus.WITHDRAWN)  # off the roster
    valiev, sardor1, sardor2, aziza = made
    before = count_queries.count
    around = neighbours(db, cohort.id, task, sardor2.id)
    assert count_queries.count - before == 1
    assert (around.previous, around.next, around.position, around.total) == (sardor1.id, aziza.id, 2, 4)
    assert neighbours(db, cohort.id, task, sardor1.id).previous is None
    assert neighbours(db, cohort.id, task, valiev.id).next is None


def test_waiting_work_is_handed_in_and_not_graded(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    quiz = make.assessment(cohort.course, AssessmentKind.QUIZ)
    exam = make.assessment(cohort.course, AssessmentKind.EXAM)
    attendance = make.assessment(cohort.course, AssessmentKind.ATTENDANCE)
    teacher = make.user(Role.INSTRUCTOR)
    a, b, c = (make.enrolment(cohort, make.user(last_name=name)) for name in ("A", "B", "C"))
    db.add_all(
        [
            Submission(assessment_id=task.id, enrolment_id=b.id, text="x"),
            Submission(assessment_id=task.id, enrolment_id=c.id, text="x"),
            QuizAttempt(assessment_id=quiz.id, enrolment_id=a.id, number=1, seed=1),  # not finished
            QuizAttempt(assessment_id=quiz.id, enrolment_id=c.id, number=1, seed=1, submitted_at=T0),
        ]
    )
    db.flush()
    save_grade(db, task, c, GradeValue(excused=True), 0, teacher)
    save_grade(db, exam, b, GradeValue(points=5), 0, teacher)
    assert neighbours(db, cohort.id, task, a.id, only_waiting=True).next == b.id
    assert neighbours(db, cohort.id, task, a.id).waiting == 1  # C is excused
    assert neighbours(db, cohort.id, quiz, a.id, only_waiting=True).next == c.id
    assert neighbours(db, cohort.id, exam, a.id, only_waiting=True).next == c.id  # B's exam is graded
    assert neighbours(db, cohort.id, attendance, a.id).waiting == 0
    stranger = make.enrolment(make.cohort())
    assert neighbours(db, cohort.id, task, stranger.id).position is None


def test_a_given_grade_changes_only_with_a_reason(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    mark(db, task, enrolment, GradeValue(points=40), 0, teacher)  # the first grade needs none
    mark(db, task, enrolment, GradeValue(points=40, feedback="ok"), 1, teacher)  # nor feedback alone
    for value in (GradeValue(points=41), GradeValue(), GradeValue(excused=True)):
        with pytest.raises(ReasonRequired):
            mark(db, task, enrolment, value, 2, teacher, "  ")
    with pytest.raises(StaleGrade):  # a stale form sees the new value before being asked for a reason
        mark(db, task, enrolment, GradeValue(points=41), 1, teacher)
    grade = mark(db, task, enrolment, GradeValue(), 2, teacher, "graded by mistake")
    assert grade.points is None and grade.version == 3
    mark(db, task, enrolment, GradeValue(points=30), 3, teacher)  # cleared: grading again is a first grade
    graded = grade_of(db, task.id, enrolment.id)
    assert graded is not None and graded.points == 30


def test_lateness_uses_the_policys_day_count() -> None:
    policy = Policy(pass_mark=60, grace=timedelta(hours=2), penalty_per_day=7.5, floor=30)
    assert lateness(None, T0, policy) is None
    on_time = lateness(T0, T0, policy)
    assert on_time is not None and (on_time.after_due, on_time.days) == (False, 0)
    in_grace = lateness(T0 + timedelta(hours=1), T0, policy)
    assert in_grace is not None and (in_grace.after_due, in_grace.days) == (True, 0)
    late = lateness(T0 + timedelta(days=2, hours=3), T0, policy)
    assert late is not None and (late.days, late.penalty, late.floor) == (3, 22.5, 30)
