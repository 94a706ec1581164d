"""Administrators author a course's assessments and its grading policy.

An assessment is an assignment, a quiz, a practical exam, or the attendance rate as a component; a
course has at most one attendance component. Weights are whole percentages; a draft course's may be
out of balance while an administrator rearranges them (the list shows the running total), but a
course is published only when they total exactly 100 (see ``academy.courses.services``), and then
they stay so (``academy.grading.authoring_weights``).

Maximum points follow the parts an assessment is made of, so that they never disagree:

- a quiz with questions is worth the sum of its questions' points;
- an assignment or an exam with a rubric is worth the sum of each criterion's highest level.

An instructor who builds a rubric expects its total to be the maximum (adding a criterion raises
it), so the maximum is derived rather than typed twice; a form that sends a different maximum for
such an assessment is refused with the total it must be. Without questions or a rubric the
maximum is whatever the administrator enters.

Grades are protected: an assessment that has grades, submissions or quiz attempts cannot be
deleted (a hand-in in flight included: ``academy.grading.locks``) or change its kind, and its
maximum cannot drop below the highest points already given. Every edit carries the version it was
drawn from; a save over a newer one is a ``Conflict`` (409).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course
from academy.courses.services import hold_course
from academy.errors import DomainError, NotFound
from academy.grading.authoring_weights import keep_total
from academy.grading.locks import hold_assessment
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    Grade,
    QuizAttempt,
    QuizQuestion,
    RubricCriterion,
    Submission,
    SubmissionType,
)
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)

Direction = Literal["up", "down"]
MAX_TITLE = 200
MAX_INSTRUCTIONS = 20_000
MAX_POINTS = 10_000
MAX_DUE_DAY = 1000
MAX_TIME_LIMIT = 600
MAX_ATTEMPTS = 20


class InvalidAssessment(DomainError):
    """A value outside what an assessment allows; ``field`` names the form field."""

    def __init__(self, field: str | None, message: object) -> None:
        self.field = field
        super().__init__(message)


class AssessmentInUse(DomainError):
    """Students' work or grades depend on the assessment as it is."""

    status = 409


class SecondAttendance(DomainError):
    field = "kind"
    status = 409
    message = _l("This course already counts attendance. A course has one attendance component at most.")


class MaximumFollowsParts(DomainError):
    """A maximum typed for an assessment whose questions or rubric fix it."""

    field = "max_points"

    def __init__(self, total: float, quiz: bool) -> None:
        if quiz:
            message = _l(
                "This quiz is worth the sum of its questions' points, %(total)s. "
                "Change the questions to change it.",
                total=f"{total:g}",
            )
        else:
            message = _l(
                "This assessment is graded with its rubric, worth %(total)s points. "
                "Change the rubric's levels to change it.",
                total=f"{total:g}",
            )
        super().__init__(message)


class BelowGivenPoints(AssessmentInUse):
    field = "max_points"

    def __init__(self, top: float) -> None:
        super().__init__(
            _l(
                "A student already has %(points)s points in this assessment: "
                "the maximum cannot be lower than that.",
                points=f"{top:g}",
            )
        )


@dataclass(frozen=True)
class AssessmentData:
    """What an administrator fills in. ``max_points`` None: take it from the questions or rubric."""

    kind: AssessmentKind
    title: str
    weight: int
    max_points: float | None
    instructions_markdown: str = ""
    submission_type: SubmissionType | None = SubmissionType.TEXT
    due_day: int | None = None  # counted from the cohort's first day (0); None: its last day
    time_limit_minutes: int | None = None
    max_attempts: int | None = 1  # None: unlimited
    shuffle: bool = True


@dataclass(frozen=True)
class Usage:
    """What already depends on an assessment."""

    grades: int = 0
    submissions: int = 0
    attempts: int = 0
    top_points: float | None = None  # the highest points given

    @property
    def used(self) -> bool:
        return bool(self.grades or self.submissions or self.attempts)


def assessments_of(session: Session, course: Course) -> list[Assessment]:
    """The course's assessments in order, with their rubric and questions (four queries in all)."""
    return list(
        session.scalars(
            select(Assessment)
            .where(Assessment.course_id == course.id)
            .options(
                selectinload(Assessment.criteria).selectinload(RubricCriterion.levels),
                selectinload(Assessment.questions),
            )
            .order_by(Assessment.position, Assessment.id)
        )
    )


def assessment_of(session: Session, course: Course, assessment_id: int) -> Assessment:
    """Assessment ``assessment_id`` of ``course``; ``NotFound`` when it belongs to another course."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.course_id != course.id:
        raise NotFound()
    return assessment


def weights_total(assessments: Iterable[Assessment]) -> int:
    return sum(a.weight for a in assessments)


def _counts(session: Session, model: type[Submission] | type[QuizAttempt], ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(model.assessment_id, func.count(model.id))
        .where(model.assessment_id.in_(ids))
        .group_by(model.assessment_id)
    )
    return {assessment_id: number for assessment_id, number in rows}


def usage(session: Session, assessment_ids: Sequence[int]) -> dict[int, Usage]:
    """What depends on each assessment, in three queries whatever their number."""
    ids = list(assessment_ids)
    if not ids:
        return {}
    grades = {
        assessment_id: (number, top)
        for assessment_id, number, top in session.execute(
            select(Grade.assessment_id, func.count(Grade.id), func.max(Grade.points))
            .where(Grade.assessment_id.in_(ids))
            .group_by(Grade.assessment_id)
        )
    }
    submissions, attempts = _counts(session, Submission, ids), _counts(session, QuizAttempt, ids)
    found: dict[int, Usage] = {}
    for assessment_id in ids:
        graded, top = grades.get(assessment_id, (0, None))
        found[assessment_id] = Usage(
            graded,
            submissions.get(assessment_id, 0),
            attempts.get(assessment_id, 0),
            float(top) if top is not None else None,
        )
    return found


def usage_of(session: Session, assessment: Assessment) -> Usage:
    return usage(session, [assessment.id])[assessment.id] if assessment.id is not None else Usage()


def parts_total(assessment: Assessment, kind: AssessmentKind | None = None) -> float | None:
    """The maximum the questions (quiz) or the rubric (others) fix, or None when there are none.

    ``kind``: the kind the assessment is about to have, when it changes."""
    if assessment.id is None:
        return None
    kind = kind or assessment.kind
    if kind is AssessmentKind.QUIZ and assessment.questions:
        return round(sum(float(q.points) for q in assessment.questions), 2)
    if kind is not AssessmentKind.QUIZ and assessment.criteria:
        return round(sum(float(c.max_points) for c in assessment.criteria), 2)
    return None


def check_maximum(session: Session, assessment: Assessment, maximum: float) -> None:
    """Refuse a maximum below the highest points already given, or not above zero."""
    if maximum <= 0:
        raise InvalidAssessment("max_points", _l("The maximum must be more than 0 points."))
    top = usage_of(session, assessment).top_points
    if top is not None and maximum < top:
        raise BelowGivenPoints(top)


def _points(raw: float, field: str, most: float) -> float:
    if not 0 < raw <= most:
        raise InvalidAssessment(field, _l("From more than 0 to %(most)s points.", most=f"{most:g}"))
    if round(raw, 2) != raw:
        raise InvalidAssessment(field, _l("Points can have at most two decimals."))
    return raw


def _validate(data: AssessmentData) -> None:
    title = data.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidAssessment("title", _l("A title has from 1 to 200 characters."))
    if not 0 <= data.weight <= 100:
        raise InvalidAssessment("weight", _l("A weight is a percentage, from 0 to 100."))
    if len(data.instructions_markdown) > MAX_INSTRUCTIONS:
        raise InvalidAssessment(
            "instructions_markdown",
            _l("Instructions have at most %(most)s characters.", most=MAX_INSTRUCTIONS),
        )
    if data.due_day is not None and not 0 <= data.due_day < MAX_DUE_DAY:
        raise InvalidAssessment("due_day", _l("From day 1 to day %(most)s of the cohort.", most=MAX_DUE_DAY))
    if data.kind is AssessmentKind.ASSIGNMENT and data.submission_type is None:
        raise InvalidAssessment("submission_type", _l("Choose what students hand in."))
    if data.kind is AssessmentKind.QUIZ:
        limit, attempts = data.time_limit_minutes, data.max_attempts
        if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT:
            raise InvalidAssessment(
                "time_limit_minutes", _l("From 1 to %(most)s minutes.", most=MAX_TIME_LIMIT)
            )
        if attempts is not None and not 1 <= attempts <= MAX_ATTEMPTS:
            raise InvalidAssessment(
                "max_attempts", _l("From 1 to %(most)s attempts, or blank.", most=MAX_ATTEMPTS)
            )


def _check_kind(session: Session, assessment: Assessment, kind: AssessmentKind) -> None:
    if kind is AssessmentKind.ATTENDANCE:
        other = session.scalar(
            select(Assessment.id).where(
                Assessment.course_id == assessment.course_id,
                Assessment.kind == AssessmentKind.ATTENDANCE,
                Assessment.id != (assessment.id or 0),
            )
        )
        if other is not None:
            raise SecondAttendance()
    if assessment.id is None or kind is assessment.kind:
        return
    if usage_of(session, assessment).used:
        raise AssessmentInUse(
            _l("Students already have work or grades in this assessment: its kind cannot change."),
        )
    if assessment.questions:
        raise InvalidAssessment("kind", _l("Delete the quiz's questions first: only a quiz has questions."))
    if assessment.criteria and kind in (AssessmentKind.QUIZ, AssessmentKind.ATTENDANCE):
        raise InvalidAssessment(
            "kind", _l("Delete the rubric first: quizzes and attendance are not graded with a rubric.")
        )


def _maximum(session: Session, assessment: Assessment, data: AssessmentData) -> float:
    derived = parts_total(assessment, data.kind)
    if derived is not None:
        if data.max_points is not None and data.max_points != derived:
            raise MaximumFollowsParts(derived, data.kind is AssessmentKind.QUIZ)
        maximum = derived
    elif data.max_points is None:
        raise InvalidAssessment("max_points", _l("Enter the maximum points."))
    else:
        maximum = _points(data.max_points, "max_points", MAX_POINTS)
    if assessment.id is not None:
        check_maximum(session, assessment, maximum)
    return maximum


def _apply(session: Session, assessment: Assessment, data: AssessmentData) -> None:
    """Check everything, then change ``assessment``: a refused edit leaves it as it was."""
    _validate(data)
    _check_kind(session, assessment, data.kind)
    maximum = _maximum(session, assessment, data)
    keep_total(session, assessment.course_id, assessment, data.weight)
    kind = data.kind
    quiz = kind is AssessmentKind.QUIZ
    assessment.kind = kind
    assessment.title = data.title.strip()
    assessment.weight = data.weight
    assessment.max_points = maximum
    assessment.instructions_markdown = data.instructions_markdown
    assessment.instructions_html = render_lesson_markdown(data.instructions_markdown)
    assessment.submission_type = data.submission_type if kind is AssessmentKind.ASSIGNMENT else None
    assessment.due_day = data.due_day if kind is not AssessmentKind.ATTENDANCE else None
    assessment.time_limit_minutes = data.time_limit_minutes if quiz else None
    assessment.max_attempts = data.max_attempts if quiz else 1
    assessment.shuffle = data.shuffle if quiz else True


def create_assessment(session: Session, course: Course, data: AssessmentData) -> Assessment:
    """Add an assessment at the end of ``course``'s list."""
    last = session.scalar(select(func.max(Assessment.position)).where(Assessment.course_id == course.id))
    assessment = Assessment(course_id=course.id, position=(last or 0) + 1, criteria=[], questions=[])
    _apply(session, assessment, data)
    session.add(assessment)
    flush_or_conflict(session)
    log.info("assessment %s (%s) added to course %s", assessment.id, data.kind.value, course.code)
    return assessment


def update_assessment(
    session: Session, assessment: Assessment, data: AssessmentData, version: int | None
) -> Assessment:
    """Save an edit made on ``version``; ``Conflict`` when the assessment has changed since."""
    check_version(assessment, version)
    _apply(session, assessment, data)
    flag_modified(assessment, "title")  # every save moves the version, even one that changes nothing
    flush_or_conflict(session)
    log.info("assessment %s updated to version %s", assessment.id, assessment.version)
    return assessment


def delete_assessment(session: Session, assessment: Assessment, version: int | None) -> None:
    """Delete an assessment nobody has handed in, attempted or been graded in."""
    check_version(assessment, version)
    course = session.get(Course, assessment.course_id)
    if course is not None:
        hold_course(session, course)  # the course before the assessment, as every writer of weights
    hold_assessment(session, assessment.id, "delete")  # a hand-in or attempt in flight is seen now
    if usage_of(session, assessment).used:
        raise AssessmentInUse(
            _l(
                "Students already have work or grades in this assessment, so it cannot be deleted. "
                "Set its weight to 0 instead if it should no longer count."
            )
        )
    course_id = assessment.course_id
    keep_total(session, course_id, assessment, None)
    session.delete(assessment)
    flush_or_conflict(session)
    renumber(session, _ordered(session, course_id))
    log.info("assessment %s of course %s deleted", assessment.id, course_id)


def _ordered(session: Session, course_id: int) -> list[Assessment]:
    return list(
        session.scalars(
            select(Assessment)
            .where(Assessment.course_id == course_id)
            .order_by(Assessment.position, Assessment.id)
        )
    )


def renumber(session: Session, rows: Sequence[Assessment | RubricCriterion | QuizQuestion]) -> None:
    """Positions 1..n in the order given, written without touching any version."""
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            model = type(row)
            session.execute(update(model).where(model.id == row.id).values(position=position))
            session.expire(row, ["position"])


def move(
    session: Session,
    rows: Sequence[Assessment | RubricCriterion | QuizQuestion],
    row_id: int,
    direction: Direction,
) -> None:
    """Swap row ``row_id`` with its neighbour above or below; at either end nothing moves."""
    order = list(rows)
    index = next(i for i, row in enumerate(order) if row.id == row_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    renumber(session, order)


def move_assessment(session: Session, assessment: Assessment, direction: Direction) -> None:
    move(session, _ordered(session, assessment.course_id), assessment.id, direction)
