"""A published course's weights stay at 100: single changes that would move the total are refused,
and the Weights service saves all of a course's weights at once (bad rows, stale versions, totals)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from academy.courses.models import Course, CourseStatus
from academy.errors import Conflict
from academy.grading import authoring
from academy.grading.authoring import AssessmentData
from academy.grading.authoring_weights import (
    AssessmentsChanged,
    InvalidWeights,
    TotalMustStay,
    WeightRow,
    WeightsNotHundred,
    set_weights,
)
from academy.grading.models import Assessment, AssessmentKind
from tests.conftest import Factory

pytestmark = pytest.mark.usefixtures("app_ctx")

EXAM = AssessmentData(kind=AssessmentKind.EXAM, title="Exam", weight=60, max_points=20)


def course_with(make: Factory, *weights: int, status: CourseStatus = CourseStatus.PUBLISHED) -> Course:
    course = make.course(status)
    for n, weight in enumerate(weights, start=1):
        make.assessment(course, AssessmentKind.EXAM, weight=weight, position=n)
    return course


def weights_of(db: Session, course: Course) -> list[int]:
    db.expire_all()
    return [a.weight for a in authoring.assessments_of(db, course)]


def rows(db: Session, course: Course, *weights: float | None) -> list[WeightRow]:
    return [
        WeightRow(a.id, weight, a.version)
        for a, weight in zip(authoring.assessments_of(db, course), weights, strict=True)
    ]


# -- single changes on a published course ------------------------------------------------------------


def test_a_weight_edit_that_moves_the_total_is_refused(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    first = authoring.assessments_of(db, course)[0]
    with pytest.raises(TotalMustStay) as caught:
        authoring.update_assessment(db, first, replace(EXAM, weight=70), first.version)
    assert caught.value.field == "weight" and "make them 110" in str(caught.value.message)
    assert "Weights page" in str(caught.value.message)
    assert weights_of(db, course) == [60, 40] and first.version == 1
    authoring.update_assessment(db, first, replace(EXAM, title="Final exam"), first.version)
    assert first.title == "Final exam" and weights_of(db, course) == [60, 40]


def test_adding_weight_is_refused_but_a_weightless_assessment_is_welcome(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    with pytest.raises(TotalMustStay, match="make them 110"):
        authoring.create_assessment(db, course, replace(EXAM, weight=10))
    assert weights_of(db, course) == [60, 40]
    extra = authoring.create_assessment(db, course, replace(EXAM, weight=0))
    assert weights_of(db, course) == [60, 40, 0]
    authoring.delete_assessment(db, extra, extra.version)
    assert weights_of(db, course) == [60, 40]


def test_a_published_course_has_no_assessments_or_a_total_of_100(db: Session, make: Factory) -> None:
    course = course_with(make)
    with pytest.raises(TotalMustStay, match="make them 0"):
        authoring.create_assessment(db, course, replace(EXAM, weight=0))
    with pytest.raises(TotalMustStay, match="make them 60"):
        authoring.create_assessment(db, course, EXAM)
    assert weights_of(db, course) == []
    assert set_weights(db, course, []) == []  # the Weights page of a course with none saves nothing
    only = authoring.create_assessment(db, course, replace(EXAM, weight=100))
    assert weights_of(db, course) == [100]
    authoring.delete_assessment(db, only, only.version)
    assert weights_of(db, course) == []


def test_deleting_a_weighted_assessment_is_refused(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    second = authoring.assessments_of(db, course)[1]
    with pytest.raises(TotalMustStay) as caught:
        authoring.delete_assessment(db, second, second.version)
    assert "would total 60" in str(caught.value.message) and caught.value.status == 409
    assert db.get(Assessment, second.id) is not None


def test_a_published_course_off_balance_may_be_set_right_one_change_at_a_time(
    db: Session, make: Factory
) -> None:
    course = course_with(make, 60, 30)  # published before the rule: 90
    first = authoring.assessments_of(db, course)[0]
    with pytest.raises(TotalMustStay, match="make them 95"):
        authoring.update_assessment(db, first, replace(EXAM, weight=65), first.version)
    authoring.update_assessment(db, first, replace(EXAM, weight=70), first.version)
    assert weights_of(db, course) == [70, 30]


def test_a_draft_course_may_total_anything(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40, status=CourseStatus.DRAFT)
    first, second = authoring.assessments_of(db, course)
    authoring.update_assessment(db, first, replace(EXAM, weight=10), first.version)
    authoring.create_assessment(db, course, replace(EXAM, weight=35))
    authoring.delete_assessment(db, second, second.version)
    assert weights_of(db, course) == [10, 35]


# -- the Weights page's service ----------------------------------------------------------------------


def test_weights_are_saved_together_when_they_total_100(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40, 0)
    saved = set_weights(db, course, rows(db, course, 50, 30, 20))
    assert [a.weight for a in saved] == [50, 30, 20]
    assert weights_of(db, course) == [50, 30, 20]
    assert [a.version for a in authoring.assessments_of(db, course)] == [2, 2, 2]
    set_weights(db, course, rows(db, course, 50, 30, 20.0))  # nothing changes, nothing is bumped
    assert [a.version for a in authoring.assessments_of(db, course)] == [2, 2, 2]


def test_a_published_course_keeps_its_total(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    with pytest.raises(WeightsNotHundred, match="total 90"):
        set_weights(db, course, rows(db, course, 50, 40))
    assert weights_of(db, course) == [60, 40]


def test_a_draft_course_saves_any_total(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40, status=CourseStatus.DRAFT)
    set_weights(db, course, rows(db, course, 10, 5))
    assert weights_of(db, course) == [10, 5]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ((-10, 110), "from 0 to 100"),
        ((0, 101), "from 0 to 100"),
        ((59.5, 40.5), "whole percentage"),
        ((None, 100), "Enter a weight"),
    ],
    ids=["negative", "over 100", "not whole", "blank"],
)
def test_bad_weights_are_refused_row_by_row(
    db: Session, make: Factory, weights: tuple[float | None, float], message: str
) -> None:
    course = course_with(make, 60, 40)
    with pytest.raises(InvalidWeights) as caught:
        set_weights(db, course, rows(db, course, *weights))
    assert any(message in str(why) for why in caught.value.rows.values())
    assert weights_of(db, course) == [60, 40]


def test_rows_must_be_the_courses_assessments(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    other = course_with(make, 100)
    first, second = rows(db, course, 100, 0)
    foreign = rows(db, other, 0)[0]
    for wrong in ([first], [first, second, foreign], [first, foreign], [first, first, second]):
        with pytest.raises(AssessmentsChanged) as caught:
            set_weights(db, course, wrong)
        assert caught.value.status == 409
    assert weights_of(db, course) == [60, 40] and weights_of(db, other) == [100]


def test_a_stale_row_is_a_conflict_and_changes_nothing(db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    stale = rows(db, course, 50, 50)
    first = authoring.assessments_of(db, course)[0]
    authoring.update_assessment(db, first, replace(EXAM, title="Renamed"), first.version)
    with pytest.raises(Conflict):
        set_weights(db, course, stale)
    with pytest.raises(Conflict):
        set_weights(db, course, [replace(row, version=None) for row in rows(db, course, 50, 50)])
    assert weights_of(db, course) == [60, 40]


def test_a_course_without_assessments_has_nothing_to_weigh(db: Session, make: Factory) -> None:
    course = course_with(make, status=CourseStatus.DRAFT)
    assert set_weights(db, course, []) == []
