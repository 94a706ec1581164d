"""Authoring assessments: fields and their limits, kinds, weights, rubrics and quiz questions that keep
the maximum in step, versions, and the rules that protect grades already given."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses.models import CourseStatus
from academy.errors import Conflict, NotFound
from academy.grading import authoring, authoring_parts
from academy.grading.authoring import (
    AssessmentData,
    AssessmentInUse,
    BelowGivenPoints,
    InvalidAssessment,
    MaximumFollowsParts,
    SecondAttendance,
)
from academy.grading.authoring_parts import (
    CriterionData,
    LevelData,
    OptionData,
    QuestionData,
    QuizLocked,
    RubricLocked,
)
from academy.grading.authoring_policy import PolicyData, update_policy
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    QuizAttempt,
    Submission,
    SubmissionType,
)
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Factory

# Assessments are authored while a course is a draft; a published course keeps its weights at 100
# (tests/grading/test_weights.py).
DRAFT = CourseStatus.DRAFT

pytestmark = pytest.mark.usefixtures("app_ctx")

TASK = AssessmentData(
    kind=AssessmentKind.ASSIGNMENT,
    title=" Call script ",
    weight=40,
    max_points=20,
    instructions_markdown="# Write\n\n<script>alert(1)</script> a **script**",
    submission_type=SubmissionType.FILE,
    due_day=6,
)
QUIZ = AssessmentData(
    kind=AssessmentKind.QUIZ, title="Quiz", weight=20, max_points=10, time_limit_minutes=15, max_attempts=None
)
RUBRIC = CriterionData(
    "Greeting", "", [LevelData(None, "Missing", 0), LevelData(None, "Good", 3), LevelData(None, "Great", 5)]
)


def question(**changes: Any) -> QuestionData:
    base = QuestionData(
        "2 + 2?",
        False,
        2,
        [OptionData(None, "4", True), OptionData(None, "5", False), OptionData(None, "3", False)],
    )
    return replace(base, **changes)


def graded(make: Factory, assessment: Assessment, points: float) -> None:
    cohort = make.cohort(assessment.course)
    save_grade(
        make.session,
        assessment,
        make.enrolment(cohort),
        GradeValue(points=points),
        0,
        make.user(Role.INSTRUCTOR),
    )


def test_create_renders_sanitised_markdown_and_keeps_the_kind_fields(db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    task = authoring.create_assessment(db, course, TASK)
    assert (task.title, task.weight, task.max_points, task.due_day) == ("Call script", 40, 20, 6)
    assert task.submission_type is SubmissionType.FILE and task.version == 1
    assert "<h2>Write</h2>" in task.instructions_html and "<strong>script</strong>" in task.instructions_html
    assert "<script>" not in task.instructions_html
    quiz = authoring.create_assessment(db, course, QUIZ)
    assert (quiz.time_limit_minutes, quiz.max_attempts, quiz.submission_type) == (15, None, None)
    assert [a.position for a in authoring.assessments_of(db, course)] == [1, 2]
    exam = authoring.create_assessment(
        db, course, replace(QUIZ, kind=AssessmentKind.EXAM, time_limit_minutes=9)
    )
    assert exam.time_limit_minutes is None and exam.submission_type is None


def test_unlimited_attempts_stay_unlimited_in_the_database(db: Session, make: Factory) -> None:
    """None is "unlimited": neither the service nor a plain insert may store 1 instead."""
    column = Assessment.__table__.c.max_attempts
    assert column.default is None and column.server_default is None
    course = make.course(DRAFT)
    quiz = authoring.create_assessment(db, course, QUIZ)
    bare = Assessment(
        course_id=course.id, position=9, kind=AssessmentKind.QUIZ, title="Bare", weight=0, max_points=5
    )
    db.add(bare)
    db.flush()
    stored = db.execute(
        select(Assessment.id, Assessment.max_attempts).where(Assessment.id.in_([quiz.id, bare.id]))
    )
    assert {assessment_id: attempts for assessment_id, attempts in stored} == {quiz.id: None, bare.id: None}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"weight": -1}, "weight"),
        ({"weight": 101}, "weight"),
        ({"max_points": 0}, "max_points"),
        ({"max_points": -5}, "max_points"),
        ({"max_points": 10_001}, "max_points"),
        ({"max_points": 1.005}, "max_points"),
        ({"max_points": None}, "max_points"),
        ({"due_day": -1}, "due_day"),
        ({"instructions_markdown": "x" * 20_001}, "instructions_markdown"),
        ({"submission_type": None}, "submission_type"),
        ({"kind": AssessmentKind.QUIZ, "time_limit_minutes": 0}, "time_limit_minutes"),
        ({"kind": AssessmentKind.QUIZ, "max_attempts": 0}, "max_attempts"),
        ({"kind": AssessmentKind.QUIZ, "max_attempts": 21}, "max_attempts"),
    ],
)
def test_bad_values_are_field_errors(db: Session, make: Factory, changes: dict[str, Any], field: str) -> None:
    course = make.course(DRAFT)
    with pytest.raises(InvalidAssessment) as caught:
        authoring.create_assessment(db, course, replace(TASK, **changes))
    assert caught.value.field == field and str(caught.value.message)
    assert authoring.assessments_of(db, course) == []


def test_one_attendance_component_per_course(db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    attendance = replace(TASK, kind=AssessmentKind.ATTENDANCE, title="Attendance", weight=10)
    first = authoring.create_assessment(db, course, attendance)
    assert first.due_day is None and first.submission_type is None
    with pytest.raises(SecondAttendance):
        authoring.create_assessment(db, course, attendance)
    task = authoring.create_assessment(db, course, TASK)
    with pytest.raises(SecondAttendance):
        authoring.update_assessment(db, task, attendance, task.version)
    authoring.update_assessment(db, first, replace(attendance, weight=15), first.version)  # itself is fine
    authoring.create_assessment(db, make.course(DRAFT), attendance)  # another course has its own


def test_a_stale_edit_is_a_conflict_and_changes_nothing(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    authoring.update_assessment(db, task, replace(TASK, title="First"), 1)
    assert task.version == 2
    with pytest.raises(Conflict):
        authoring.update_assessment(db, task, replace(TASK, title="Second"), 1)
    with pytest.raises(Conflict):
        authoring.update_assessment(db, task, replace(TASK, title="Second"), None)
    with pytest.raises(Conflict):
        authoring.delete_assessment(db, task, 1)
    db.expire_all()
    assert task.title == "First"


def test_an_assessment_in_use_keeps_its_kind_and_cannot_be_deleted(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    graded(make, task, 15)
    with pytest.raises(AssessmentInUse):
        authoring.update_assessment(db, task, replace(TASK, kind=AssessmentKind.EXAM), task.version)
    with pytest.raises(AssessmentInUse) as caught:
        authoring.delete_assessment(db, task, task.version)
    assert "weight to 0" in str(caught.value.message)
    assert db.get(Assessment, task.id) is not None
    authoring.update_assessment(db, task, replace(TASK, weight=0), task.version)  # other edits go on


@pytest.mark.parametrize("work", ["submission", "attempt"])
def test_a_hand_in_or_an_attempt_protects_too(db: Session, make: Factory, work: str) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    enrolment = make.enrolment(make.cohort(quiz.course))
    if work == "submission":
        db.add(Submission(assessment_id=quiz.id, enrolment_id=enrolment.id, text="hi"))
    else:
        db.add(QuizAttempt(assessment_id=quiz.id, enrolment_id=enrolment.id, number=1, seed=7))
    db.flush()
    assert authoring.usage_of(db, quiz).used
    with pytest.raises(AssessmentInUse):
        authoring.delete_assessment(db, quiz, quiz.version)
    with pytest.raises(AssessmentInUse):
        authoring.update_assessment(db, quiz, replace(QUIZ, kind=AssessmentKind.ASSIGNMENT), quiz.version)


def test_the_maximum_never_drops_below_points_given(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    graded(make, task, 15)
    graded(make, task, 12.5)
    with pytest.raises(BelowGivenPoints) as caught:
        authoring.update_assessment(db, task, replace(TASK, max_points=14.99), task.version)
    assert "15" in str(caught.value.message) and caught.value.field == "max_points"
    db.expire_all()
    assert task.max_points == 20
    authoring.update_assessment(db, task, replace(TASK, max_points=15), task.version)
    assert task.max_points == 15


def test_deleting_renumbers_and_moving_swaps_without_bumping_versions(db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    first, second, third = (authoring.create_assessment(db, course, replace(TASK, title=t)) for t in "ABC")
    authoring.move_assessment(db, third, "up")
    authoring.move_assessment(db, first, "up")  # at the top already: nothing moves
    assert [a.title for a in authoring.assessments_of(db, course)] == ["A", "C", "B"]
    assert third.version == 1
    authoring.delete_assessment(db, first, first.version)
    assert [(a.title, a.position) for a in authoring.assessments_of(db, course)] == [("C", 1), ("B", 2)]
    other = make.course(DRAFT)
    with pytest.raises(NotFound):
        authoring.assessment_of(db, other, second.id)


def test_a_rubric_sets_the_maximum(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    criterion = authoring_parts.add_criterion(db, task, RUBRIC, task.version)
    assert task.max_points == 5 and task.version == 2
    authoring_parts.add_criterion(db, task, replace(RUBRIC, title="Tone"), task.version)
    assert task.max_points == 10 and [c.position for c in task.criteria] == [1, 2]
    levels = [LevelData(lv.id, lv.title, lv.points) for lv in criterion.levels]
    authoring_parts.update_criterion(
        db,
        criterion,
        replace(RUBRIC, levels=[*levels[:2], LevelData(levels[2].id, "Great", 8)]),
        task.version,
    )
    assert task.max_points == 13 and [lv.points for lv in criterion.levels] == [0, 3, 8]
    with pytest.raises(MaximumFollowsParts) as caught:
        authoring.update_assessment(db, task, replace(TASK, max_points=20), task.version)
    assert "13" in str(caught.value.message)
    authoring.update_assessment(db, task, replace(TASK, max_points=None, title="Kept"), task.version)
    authoring.update_assessment(db, task, replace(TASK, max_points=13), task.version)  # the same: fine
    assert task.max_points == 13
    authoring_parts.delete_criterion(db, criterion, task.version)
    assert task.max_points == 5 and [c.position for c in task.criteria] == [1]


@pytest.mark.parametrize(
    "levels",
    [
        [LevelData(None, "Only", 5)],
        [LevelData(None, "A", 0), LevelData(None, "B", 0)],
        [LevelData(None, "A", 1), LevelData(None, "B", 1)],
        [LevelData(None, "A", -1), LevelData(None, "B", 1)],
        [LevelData(None, "", 1), LevelData(None, "B", 2)],
        [LevelData(None, "A", 1.234), LevelData(None, "B", 2)],
        [LevelData(None, f"L{n}", n) for n in range(7)],
    ],
)
def test_bad_rubric_levels_are_refused(db: Session, make: Factory, levels: list[LevelData]) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    with pytest.raises(InvalidAssessment) as caught:
        authoring_parts.add_criterion(db, task, replace(RUBRIC, levels=levels), task.version)
    assert caught.value.field in ("levels", "title")
    db.expire_all()
    assert task.criteria == [] and task.max_points == 20


def test_a_graded_rubric_only_changes_its_wording(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    criterion = authoring_parts.add_criterion(db, task, RUBRIC, task.version)
    graded(make, task, 3)
    levels = [LevelData(lv.id, lv.title.upper(), lv.points) for lv in criterion.levels]
    authoring_parts.update_criterion(
        db, criterion, replace(RUBRIC, title="Hello", levels=levels), task.version
    )
    assert criterion.title == "Hello" and criterion.levels[1].title == "GOOD"
    changed = [*levels[:2], LevelData(levels[2].id, "Great", 6)]
    added = [*levels, LevelData(None, "Legendary", 9)]
    twice = [*levels[:2], LevelData(levels[1].id, "Again", 4)]
    for edit in (changed, added, levels[:2], twice):
        with pytest.raises(RubricLocked):
            authoring_parts.update_criterion(db, criterion, replace(RUBRIC, levels=edit), task.version)
    for attempt in (
        lambda: authoring_parts.add_criterion(db, task, RUBRIC, task.version),
        lambda: authoring_parts.delete_criterion(db, criterion, task.version),
    ):
        with pytest.raises(RubricLocked):
            attempt()
    assert task.max_points == 5


def test_rubrics_belong_to_assignments_and_exams(db: Session, make: Factory) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    with pytest.raises(InvalidAssessment):
        authoring_parts.add_criterion(db, quiz, RUBRIC, quiz.version)
    task = authoring.create_assessment(db, quiz.course, TASK)
    authoring_parts.add_criterion(db, task, RUBRIC, task.version)
    with pytest.raises(InvalidAssessment) as caught:
        authoring.update_assessment(db, task, replace(QUIZ, max_points=None), task.version)
    assert caught.value.field == "kind"


def test_quiz_questions_set_the_maximum(db: Session, make: Factory) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    first = authoring_parts.add_question(db, quiz, question(), quiz.version)
    authoring_parts.add_question(db, quiz, question(points=1.5, multiple=True), quiz.version)
    assert quiz.max_points == 3.5 and [q.position for q in quiz.questions] == [1, 2]
    assert [(o.text, o.correct, o.position) for o in first.options] == [
        ("4", True, 1),
        ("5", False, 2),
        ("3", False, 3),
    ]
    kept = first.options[0].id
    edited = question(options=[OptionData(kept, "four", True), OptionData(None, "five", False)])
    authoring_parts.update_question(db, first, edited, quiz.version)
    assert [o.text for o in first.options] == ["four", "five"] and first.options[0].id == kept
    authoring_parts.move_question(db, first, "down")
    assert [q.text for q in authoring_parts.questions_with_options(db, quiz)][1] == "2 + 2?"
    authoring_parts.delete_question(db, first, quiz.version)
    assert quiz.max_points == 1.5
    with pytest.raises(InvalidAssessment) as caught:
        authoring.update_assessment(db, quiz, replace(QUIZ, kind=AssessmentKind.EXAM), quiz.version)
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"options": [OptionData(None, "4", False), OptionData(None, "5", False)]}, "options"),
        ({"options": [OptionData(None, "4", True), OptionData(None, "5", True)]}, "options"),
        (
            {"multiple": True, "options": [OptionData(None, "4", False), OptionData(None, "5", False)]},
            "options",
        ),
        ({"options": [OptionData(None, "4", True)]}, "options"),
        ({"options": [OptionData(None, str(n), n == 0) for n in range(9)]}, "options"),
        ({"options": [OptionData(None, "4", True), OptionData(None, "  ", False)]}, "options"),
        ({"text": " "}, "text"),
        ({"points": 0}, "points"),
        ({"points": 101}, "points"),
    ],
)
def test_bad_questions_are_refused(db: Session, make: Factory, changes: dict[str, Any], field: str) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    with pytest.raises(InvalidAssessment) as caught:
        authoring_parts.add_question(db, quiz, question(**changes), quiz.version)
    assert caught.value.field == field


def test_a_multiple_choice_question_may_have_several_correct_options(db: Session, make: Factory) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    both = [OptionData(None, "4", True), OptionData(None, "2*2", True), OptionData(None, "5", False)]
    found = authoring_parts.add_question(db, quiz, question(multiple=True, options=both), quiz.version)
    assert sum(o.correct for o in found.options) == 2


def test_questions_of_an_attempted_quiz_cannot_change(db: Session, make: Factory) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    first = authoring_parts.add_question(db, quiz, question(), quiz.version)
    second = authoring_parts.add_question(db, quiz, question(), quiz.version)
    db.add(
        QuizAttempt(
            assessment_id=quiz.id, enrolment_id=make.enrolment(make.cohort(quiz.course)).id, number=1, seed=1
        )
    )
    db.flush()
    for attempt in (
        lambda: authoring_parts.add_question(db, quiz, question(), quiz.version),
        lambda: authoring_parts.update_question(db, first, question(text="New"), quiz.version),
        lambda: authoring_parts.delete_question(db, second, quiz.version),
        lambda: authoring_parts.move_question(db, second, "up"),
    ):
        with pytest.raises(QuizLocked) as caught:
            attempt()
        assert "already attempted" in str(caught.value.message)
    db.expire_all()
    assert [q.id for q in authoring_parts.questions_with_options(db, quiz)] == [first.id, second.id]


def test_parts_are_saved_on_the_assessment_version(db: Session, make: Factory) -> None:
    task = authoring.create_assessment(db, make.course(DRAFT), TASK)
    with pytest.raises(Conflict):
        authoring_parts.add_criterion(db, task, RUBRIC, task.version - 1)
    other = authoring.create_assessment(db, make.course(DRAFT), TASK)
    criterion = authoring_parts.add_criterion(db, other, RUBRIC, other.version)
    with pytest.raises(NotFound):
        authoring_parts.criterion_of(db, task, criterion.id)


def test_the_policy_is_saved_on_its_version(db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    policy = PolicyData(70, 24, 5.5, 40, 80, 0)
    update_policy(db, course, policy, course.version)
    assert (course.pass_mark, course.late_grace_hours, course.late_penalty_per_day) == (70, 24, 5.5)
    assert (course.late_floor, course.min_attendance, course.missing_counts_as) == (40, 80, 0)
    with pytest.raises(Conflict):
        update_policy(db, course, replace(policy, pass_mark=50), course.version - 1)
    for bad in (
        {"pass_mark": 101},
        {"late_floor": -1},
        {"late_penalty_per_day": 1.001},
        {"late_grace_hours": 721},
    ):
        with pytest.raises(InvalidAssessment) as caught:
            update_policy(db, course, replace(policy, **bad), course.version)
        assert caught.value.field == next(iter(bad))
    db.expire_all()
    assert course.pass_mark == 70


def test_a_repeated_option_id_makes_a_new_option(db: Session, make: Factory) -> None:
    quiz = authoring.create_assessment(db, make.course(DRAFT), QUIZ)
    first = authoring_parts.add_question(db, quiz, question(), quiz.version)
    kept = first.options[0].id
    twice = question(options=[OptionData(kept, "four", True), OptionData(kept, "five", False)])
    authoring_parts.update_question(db, first, twice, quiz.version)
    assert [(o.text, o.position) for o in first.options] == [("four", 1), ("five", 2)]
    assert first.options[0].id == kept and first.options[1].id != kept
