"""The parts of an assessment: the criteria of a rubric with their levels, and a quiz's questions
with their options.

Every change is made on the assessment's version (the forms carry it) and moves it on, since it
changes the assessment's maximum (see :mod:`academy.grading.authoring`): a stale save is a 409.

Grades are protected. Once anyone is graded in an assessment, its rubric keeps its levels and their
points (a stored grade is the sum of the levels it was given); only the wording and order can still
change. Once anyone has attempted a quiz, its questions cannot change at all: attempts record the
options ticked and the order shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from academy.errors import NotFound
from academy.grading.authoring import (
    AssessmentInUse,
    Direction,
    InvalidAssessment,
    check_maximum,
    move,
    parts_total,
    renumber,
    usage_of,
)
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    QuizOption,
    QuizQuestion,
    RubricCriterion,
    RubricLevel,
)
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)

MAX_LEVELS = 6
MAX_OPTIONS = 8
MAX_LEVEL_POINTS = 1000
MAX_QUESTION_POINTS = 100
MAX_TEXT = 2000


class RubricLocked(AssessmentInUse):
    message = _l(
        "Students are already graded with this rubric: its levels and their points can no longer "
        "change. You can still reword them and change their order."
    )


class QuizLocked(AssessmentInUse):
    message = _l(
        "Students have already attempted this quiz, so its questions can no longer change. "
        "Create a new quiz if it needs different questions."
    )


@dataclass(frozen=True)
class LevelData:
    id: int | None
    title: str
    points: float


@dataclass(frozen=True)
class CriterionData:
    title: str
    description: str
    levels: Sequence[LevelData]


@dataclass(frozen=True)
class OptionData:
    id: int | None
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionData:
    text: str
    multiple: bool
    points: float
    options: Sequence[OptionData]


def criterion_of(session: Session, assessment: Assessment, criterion_id: int) -> RubricCriterion:
    criterion = session.get(RubricCriterion, criterion_id)
    if criterion is None or criterion.assessment_id != assessment.id:
        raise NotFound()
    return criterion


def question_of(session: Session, assessment: Assessment, question_id: int) -> QuizQuestion:
    question = session.get(QuizQuestion, question_id)
    if question is None or question.assessment_id != assessment.id:
        raise NotFound()
    return question


def _title(raw: str, field: str = "title", most: int = 200) -> str:
    text = raw.strip()
    if not text or len(text) > most:
        raise InvalidAssessment(field, _l("Write from 1 to %(most)s characters.", most=most))
    return text


def _points(raw: float, field: str, most: float, zero: bool) -> float:
    if raw > most or (raw < 0 if zero else raw <= 0):
        if zero:
            raise InvalidAssessment(field, _l("From 0 to %(most)s points.", most=most))
        raise InvalidAssessment(field, _l("From more than 0 to %(most)s points.", most=most))
    if round(raw, 2) != raw:
        raise InvalidAssessment(field, _l("Points can have at most two decimals."))
    return raw


def _sync_maximum(session: Session, assessment: Assessment) -> None:
    """The maximum follows the parts; the assessment's version moves on with every change."""
    total = parts_total(assessment)
    if total is not None:
        check_maximum(session, assessment, total)
        assessment.max_points = total
    flag_modified(assessment, "max_points")
    flush_or_conflict(session)


# Rubrics -------------------------------------------------------------------------------------------


def _rubric_allowed(assessment: Assessment) -> None:
    if assessment.kind not in (AssessmentKind.ASSIGNMENT, AssessmentKind.EXAM):
        raise InvalidAssessment(None, _l("Only assignments and exams are graded with a rubric."))


def _graded(session: Session, assessment: Assessment) -> bool:
    return usage_of(session, assessment).grades > 0


def _levels(data: CriterionData) -> list[LevelData]:
    levels = [
        LevelData(
            level.id, _title(level.title, "levels"), _points(level.points, "levels", MAX_LEVEL_POINTS, True)
        )
        for level in data.levels
    ]
    if not 2 <= len(levels) <= MAX_LEVELS:
        raise InvalidAssessment("levels", _l("A criterion has from 2 to %(most)s levels.", most=MAX_LEVELS))
    if len({level.points for level in levels}) != len(levels):
        raise InvalidAssessment(
            "levels", _l("Each level of a criterion is worth a different number of points.")
        )
    if max(level.points for level in levels) <= 0:
        raise InvalidAssessment("levels", _l("The highest level must be worth more than 0 points."))
    return sorted(levels, key=lambda level: level.points)


def _fill_criterion(criterion: RubricCriterion, data: CriterionData, levels: list[LevelData]) -> None:
    criterion.title = _title(data.title)
    criterion.description = data.description.strip()[:MAX_TEXT]
    current = {level.id: level for level in criterion.levels}
    kept: list[RubricLevel] = []
    for level in levels:
        row = current.pop(level.id, None) if level.id is not None else None  # each row once
        if row is None:
            row = RubricLevel(title=level.title, points=level.points)
        row.title, row.points = level.title, level.points
        kept.append(row)
    criterion.levels = kept


def add_criterion(
    session: Session, assessment: Assessment, data: CriterionData, version: int | None
) -> RubricCriterion:
    check_version(assessment, version)
    _rubric_allowed(assessment)
    if _graded(session, assessment):
        raise RubricLocked()
    levels = _levels(data)
    position = max((c.position for c in assessment.criteria), default=0) + 1
    criterion = RubricCriterion(position=position, levels=[])
    _fill_criterion(criterion, data, [LevelData(None, lv.title, lv.points) for lv in levels])
    assessment.criteria.append(criterion)
    _sync_maximum(session, assessment)
    log.info("criterion %s added to assessment %s", criterion.id, assessment.id)
    return criterion


def update_criterion(
    session: Session, criterion: RubricCriterion, data: CriterionData, version: int | None
) -> RubricCriterion:
    assessment = criterion.assessment
    check_version(assessment, version)
    levels = _levels(data)
    if _graded(session, assessment):
        before = {level.id: float(level.points) for level in criterion.levels}
        after = {level.id: level.points for level in levels}
        if None in after or len(after) != len(levels) or before != after:
            raise RubricLocked()
    _fill_criterion(criterion, data, levels)
    _sync_maximum(session, assessment)
    return criterion


def delete_criterion(session: Session, criterion: RubricCriterion, version: int | None) -> None:
    assessment = criterion.assessment
    check_version(assessment, version)
    if _graded(session, assessment):
        raise RubricLocked()
    assessment.criteria.remove(criterion)
    _sync_maximum(session, assessment)
    renumber(session, list(assessment.criteria))
    log.info("criterion %s of assessment %s deleted", criterion.id, assessment.id)


def move_criterion(session: Session, criterion: RubricCriterion, direction: Direction) -> None:
    move(session, list(criterion.assessment.criteria), criterion.id, direction)


# Quiz questions ------------------------------------------------------------------------------------


def _quiz_open(session: Session, assessment: Assessment) -> None:
    if assessment.kind is not AssessmentKind.QUIZ:
        raise InvalidAssessment(None, _l("Only quizzes have questions."))
    if usage_of(session, assessment).attempts:
        raise QuizLocked()


def _options(data: QuestionData) -> list[OptionData]:
    options = [OptionData(o.id, _title(o.text, "options", 500), o.correct) for o in data.options]
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise InvalidAssessment("options", _l("A question has from 2 to %(most)s options.", most=MAX_OPTIONS))
    right = sum(1 for option in options if option.correct)
    if data.multiple and right == 0:
        raise InvalidAssessment("options", _l("Mark at least one option as correct."))
    if not data.multiple and right != 1:
        raise InvalidAssessment("options", _l("A single-choice question has exactly one correct option."))
    return options


def _fill_question(question: QuizQuestion, data: QuestionData) -> None:
    options = _options(data)
    question.text = _title(data.text, "text", MAX_TEXT)
    question.multiple = data.multiple
    question.points = _points(data.points, "points", MAX_QUESTION_POINTS, False)
    current = {option.id: option for option in question.options}
    kept: list[QuizOption] = []
    for position, option in enumerate(options, start=1):
        row = current.pop(option.id, None) if option.id is not None else None  # each row once
        if row is None:
            row = QuizOption(text=option.text)
        row.position, row.text, row.correct = position, option.text, option.correct
        kept.append(row)
    question.options = kept


def add_question(
    session: Session, assessment: Assessment, data: QuestionData, version: int | None
) -> QuizQuestion:
    check_version(assessment, version)
    _quiz_open(session, assessment)
    position = max((q.position for q in assessment.questions), default=0) + 1
    question = QuizQuestion(position=position, options=[])
    _fill_question(
        question,
        QuestionData(
            data.text, data.multiple, data.points, [OptionData(None, o.text, o.correct) for o in data.options]
        ),
    )
    assessment.questions.append(question)
    _sync_maximum(session, assessment)
    log.info("question %s added to quiz %s", question.id, assessment.id)
    return question


def update_question(
    session: Session, question: QuizQuestion, data: QuestionData, version: int | None
) -> QuizQuestion:
    assessment = question.assessment
    check_version(assessment, version)
    _quiz_open(session, assessment)
    _fill_question(question, data)
    _sync_maximum(session, assessment)
    return question


def delete_question(session: Session, question: QuizQuestion, version: int | None) -> None:
    assessment = question.assessment
    check_version(assessment, version)
    _quiz_open(session, assessment)
    assessment.questions.remove(question)
    _sync_maximum(session, assessment)
    log.info("question %s of quiz %s deleted", question.id, assessment.id)


def move_question(session: Session, question: QuizQuestion, direction: Direction) -> None:
    _quiz_open(session, question.assessment)
    move(session, list(question.assessment.questions), question.id, direction)


def questions_with_options(session: Session, assessment: Assessment) -> list[QuizQuestion]:
    """The quiz's questions with their options loaded (two queries)."""
    return list(
        session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.assessment_id == assessment.id)
            .options(selectinload(QuizQuestion.options))
            .order_by(QuizQuestion.position, QuizQuestion.id)
        )
    )


def criteria_with_levels(session: Session, assessment: Assessment) -> list[RubricCriterion]:
    """The rubric's criteria with their levels loaded (two queries)."""
    return list(
        session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.assessment_id == assessment.id)
            .options(selectinload(RubricCriterion.levels))
            .order_by(RubricCriterion.position, RubricCriterion.id)
        )
    )
