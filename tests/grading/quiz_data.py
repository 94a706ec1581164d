"""A small quiz for the quiz tests: one single-choice and one multiple-choice question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment
from academy.courses.models import Course
from academy.grading.models import Assessment, AssessmentKind, QuizOption, QuizQuestion
from tests.conftest import Factory


@dataclass
class Quiz:
    assessment: Assessment
    single: QuizQuestion  # 1 point: "right" is correct
    multiple: QuizQuestion  # 3 points: "a" and "b" are correct, "c" is not
    options: dict[str, QuizOption]  # by name: right, wrong, other, a, b, c

    @property
    def id(self) -> int:
        return self.assessment.id

    def ids(self, *names: str) -> list[int]:
        return [self.options[name].id for name in names]


def make_quiz(db: Session, make: Factory, course: Course, **fields: Any) -> Quiz:
    """A quiz worth 20 points: the single-choice question is a quarter of it, the other the rest."""
    values: dict[str, Any] = {"max_points": 20, "max_attempts": 3, "time_limit_minutes": 15}
    values.update(fields)
    assessment = make.assessment(course, AssessmentKind.QUIZ, **values)
    single = QuizQuestion(assessment=assessment, position=1, text="Which is right?", points=1)
    multiple = QuizQuestion(
        assessment=assessment, position=2, text="Which are right?", multiple=True, points=3
    )
    options = {
        "right": QuizOption(question=single, position=1, text="Right", correct=True),
        "wrong": QuizOption(question=single, position=2, text="Wrong"),
        "other": QuizOption(question=single, position=3, text="Other"),
        "a": QuizOption(question=multiple, position=1, text="A", correct=True),
        "b": QuizOption(question=multiple, position=2, text="B", correct=True),
        "c": QuizOption(question=multiple, position=3, text="C"),
    }
    db.add_all([single, multiple, *options.values()])
    db.flush()
    db.expire(assessment, ["questions"])
    return Quiz(assessment, single, multiple, options)


# Fixtures of the service tests (import them by name into a test module).


@pytest.fixture(name="cohort")
def cohort_fixture(make: Factory) -> Cohort:
    return make.cohort()


@pytest.fixture(name="quiz")
def quiz_fixture(db: Session, make: Factory, cohort: Cohort) -> Quiz:
    return make_quiz(db, make, cohort.course)


@pytest.fixture(name="place")
def place_fixture(make: Factory, cohort: Cohort) -> Enrolment:
    return make.enrolment(cohort)
