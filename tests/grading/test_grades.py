"""Saving grades: versions, history, bad values, rubrics; and the gradebook's rows and results."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.db import utcnow
from academy.errors import NotFound
from academy.grading import book
from academy.grading.models import (
    AssessmentKind,
    GradeChange,
    GradeSource,
    Submission,
)
from academy.grading.results import ResultState, WorkState, days_late
from academy.grading.services import (
    FeedbackTooLong,
    GradeValue,
    NotGradable,
    NotOnRoster,
    PointsOutOfRange,
    RubricIncomplete,
    StaleGrade,
    TooPrecise,
    grade_of,
    save_grade,
)
from tests.conftest import Factory, QueryCounter
from tests.grading.gradebook_helpers import content_and_style

pytestmark = pytest.mark.usefixtures("app_ctx")
TASHKENT = ZoneInfo("Asia/Tashkent")


def _changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GradeChange)) or 0


def test_first_grade_starts_at_version_one_and_is_in_the_history(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, max_points=20)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    grade = save_grade(db, task, enrolment, GradeValue(points=17.5, feedback=" Good "), 0, teacher, "first")
    assert (grade.points, grade.version, grade.feedback, grade.graded_by_id) == (17.5, 1, "Good", teacher.id)
    change = db.scalars(select(GradeChange)).one()
    assert (change.old_points, change.new_points, change.actor_id, change.reason) == (
        None,
        17.5,
        teacher.id,
        "first",
    )
    assert change.source is GradeSource.MANUAL


def test_saving_over_an_older_version_is_refused_and_shows_what_stands(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    save_grade(db, task, enrolment, GradeValue(points=70), 0, teacher)
    with pytest.raises(StaleGrade) as caught:
        save_grade(db, task, enrolment, GradeValue(points=40), 0, teacher)
    assert caught.value.status == 409
    assert caught.value.current is not None and caught.value.current.points == 70
    assert caught.value.yours.points == 40
    db.expire_all()
    grade = grade_of(db, task.id, enrolment.id)
    assert grade is not None and (grade.points, grade.version) == (70, 1)
    assert _changes(db) == 1


def test_a_change_keeps_old_and_new_and_bumps_the_version(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    save_grade(db, task, enrolment, GradeValue(points=70), 0, teacher)
    grade = save_grade(db, task, enrolment, GradeValue(excused=True, points=55), 1, teacher, "medical note")
    assert (grade.points, grade.excused, grade.version) == (None, True, 2)
    last = db.scalars(select(GradeChange).order_by(GradeChange.id.desc())).first()
    assert last is not None
    assert (last.old_points, last.old_excused, last.new_points, last.new_excused) == (70, False, None, True)
    assert last.reason == "medical note"


def test_saving_the_same_value_again_changes_nothing(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    save_grade(db, task, enrolment, GradeValue(points=70, feedback="ok"), 0, teacher)
    grade = save_grade(db, task, enrolment, GradeValue(points=70, feedback="ok"), 1, teacher)
    assert grade.version == 1 and _changes(db) == 1


def test_feedback_alone_is_saved_with_a_history_line(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    save_grade(db, task, enrolment, GradeValue(points=70), 0, teacher)
    grade = save_grade(db, task, enrolment, GradeValue(points=70, feedback="Well argued"), 1, teacher)
    assert (grade.feedback, grade.version) == ("Well argued", 2)
    assert _changes(db) == 2  # the feedback's change is in the history too (test_grade_history.py)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (GradeValue(points=-1), PointsOutOfRange),
        (GradeValue(points=20.01), PointsOutOfRange),
        (GradeValue(points=1.005), TooPrecise),
        (GradeValue(points=5, feedback="x" * 10_001), FeedbackTooLong),
    ],
)
def test_bad_values_are_refused_and_write_nothing(
    db: Session, make: Factory, value: GradeValue, error: type[Exception]
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, max_points=20)
    enrolment = make.enrolment(cohort)
    with pytest.raises(error):
        save_grade(db, task, enrolment, value, 0, make.user(Role.INSTRUCTOR))
    assert grade_of(db, task.id, enrolment.id) is None and _changes(db) == 0


def test_the_rubric_levels_make_the_points(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, max_points=10)
    content, style, levels = content_and_style(
        db, task, {"c-low": 2, "c-high": 6}, {"s-low": 1.5, "s-high": 4}
    )
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)
    chosen = {content.id: levels["c-high"].id, style.id: levels["s-low"].id}
    grade = save_grade(db, task, enrolment, GradeValue(points=1, levels=chosen), 0, teacher)
    assert grade.points == 7.5
    assert {c.criterion_id: c.level_id for c in grade.criteria} == chosen
    with pytest.raises(RubricIncomplete):  # one criterion left out
        save_grade(db, task, enrolment, GradeValue(levels={content.id: levels["c-low"].id}), 1, teacher)
    with pytest.raises(RubricIncomplete):  # a level of another criterion
        save_grade(
            db,
            task,
            enrolment,
            GradeValue(levels={content.id: levels["s-low"].id, style.id: levels["s-low"].id}),
            1,
            teacher,
        )
    changed = save_grade(
        db,
        task,
        enrolment,
        GradeValue(levels={content.id: levels["c-low"].id, style.id: levels["s-high"].id}),
        1,
        teacher,
    )
    assert (changed.points, changed.version) == (6, 2)


def test_who_can_be_graded_in_what(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    teacher = make.user(Role.INSTRUCTOR)
    enrolment = make.enrolment(cohort)
    other_course_task = make.assessment(make.course())
    with pytest.raises(NotFound):
        save_grade(db, other_course_task, enrolment, GradeValue(points=1), 0, teacher)
    with pytest.raises(NotGradable):
        save_grade(
            db,
            make.assessment(cohort.course, AssessmentKind.ATTENDANCE),
            enrolment,
            GradeValue(points=1),
            0,
            teacher,
        )
    withdrawn = make.enrolment(cohort, status=EnrolmentStatus.WITHDRAWN)
    with pytest.raises(NotOnRoster):
        save_grade(db, make.assessment(cohort.course), withdrawn, GradeValue(points=1), 0, teacher)


def test_a_finished_quiz_saves_over_whatever_stands(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    quiz = make.assessment(cohort.course, AssessmentKind.QUIZ, max_points=10)
    enrolment = make.enrolment(cohort)
    save_grade(db, quiz, enrolment, GradeValue(points=4), 0, make.user(Role.INSTRUCTOR))
    grade = save_grade(db, quiz, enrolment, GradeValue(points=9), None, None, source=GradeSource.QUIZ)
    assert (grade.points, grade.version, grade.graded_by_id) == (9, 2, None)
    assert db.scalars(select(GradeChange.source).order_by(GradeChange.id)).all() == [
        GradeSource.MANUAL,
        GradeSource.QUIZ,
    ]


# -- the gradebook's data ---------------------------------------------------------------------------


def test_rows_give_each_student_cells_and_a_result(db: Session, make: Factory) -> None:
    now = utcnow()
    course = make.course(pass_mark=50, missing_counts_as=0)
    cohort = make.cohort(course, starts_on=(now - timedelta(days=20)).date())
    essay = make.assessment(course, weight=60, max_points=20, due_day=0)  # overdue
    exam = make.assessment(course, AssessmentKind.EXAM, weight=40, max_points=50)  # due at the end
    teacher = make.user(Role.INSTRUCTOR)
    ana = make.enrolment(cohort, make.user(first_name="Ana", last_name="Alimova"))
    bek = make.enrolment(cohort, make.user(first_name="Bek", last_name="Boboev"))
    make.enrolment(cohort, status=EnrolmentStatus.WITHDRAWN)  # not on the roster
    db.add(
        Submission(
            assessment_id=essay.id, enrolment_id=ana.id, text="...", submitted_at=now - timedelta(days=19)
        )
    )
    save_grade(db, essay, ana, GradeValue(points=15), 0, teacher)
    save_grade(db, exam, ana, GradeValue(points=40), 0, teacher)

    cols = book.columns(db, cohort)
    assert [c.id for c in cols] == [essay.id, exam.id] and book.weights_total(cols) == 100
    rows = book.rows(db, cohort, cols, now)
    assert [r.last_name for r in rows] == ["Alimova", "Boboev"]
    ana_row, bek_row = rows
    assert [c.points for c in ana_row.cells] == [15, 40]
    assert ana_row.result.percent == 77.0  # 60 * 0.75 + 40 * 0.8
    assert ana_row.result.state is ResultState.PASSED
    assert bek_row.cells[0].scored.state is WorkState.MISSING
    assert bek_row.cells[1].scored.state is WorkState.OPEN
    assert (bek_row.result.percent, bek_row.result.state) == (0.0, ResultState.IN_PROGRESS)
    assert [r.enrolment_id for r in book.iter_rows(db, cohort, cols, now, batch=1)] == [ana.id, bek.id]


def test_reading_the_gradebook_takes_the_same_queries_for_any_size(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def measure(students: int, assessments: int) -> int:
        course = make.course()
        cohort = make.cohort(course)
        tasks = [make.assessment(course, weight=0) for _ in range(assessments)]
        teacher = make.user(Role.INSTRUCTOR)
        for _ in range(students):
            enrolment = make.enrolment(cohort)
            for task in tasks:
                save_grade(db, task, enrolment, GradeValue(points=50), 0, teacher)
        db.expire_all()
        count_queries.statements.clear()
        found = book.rows(db, cohort, book.columns(db, cohort), utcnow())
        assert len(found) == students
        return count_queries.count

    assert measure(2, 1) == measure(12, 5)


def test_work_handed_in_during_the_last_minute_of_the_due_day_is_on_time(make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, due_day=3)
    due = book.default_due_at(task, cohort)
    last_minute = datetime.combine(cohort.starts_on + timedelta(days=3), time(23, 59, 30), TASHKENT)
    assert days_late(last_minute.astimezone(UTC), due, timedelta(0)) == 0
    assert days_late(last_minute.astimezone(UTC) + timedelta(seconds=30), due, timedelta(0)) == 1
