"""Giving grades: one function saves a grade from every source (the gradebook, the grading view, a
CSV import, a finished quiz), checks its version and keeps the history.

A grade is saved over the version the form was drawn from, or not at all: two tabs saving the same
cell from the same version give one saved change and one :class:`StaleGrade` (409), whose message
shows both values. Rows are never deleted, so the version of a cell only ever grows. Every saved
change, of the points, "excused", the feedback or the rubric levels, leaves one ``GradeChange``; a
save that changes nothing leaves none and keeps the version.

Once the cohort has released the assessment's grades, a person's change of the points or of
"excused" tells the student (:func:`academy.grading.release.tell_of_grade`), once per change; a change
made while the grades are hidden again is told when they are released again
(:func:`academy.grading.release.release_news`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Enrolment
from academy.db import utcnow
from academy.errors import Conflict, DomainError, NotFound
from academy.grading.locks import hold_assessment
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Grade,
    GradeChange,
    GradeCriterion,
    GradeSource,
    RubricCriterion,
)
from academy.grading.release import tell_of_grade

log = logging.getLogger(__name__)
MAX_FEEDBACK = 10_000


@dataclass(frozen=True)
class GradeValue:
    """What a grader gives: points (None to clear), or excused; feedback; rubric levels by criterion."""

    points: float | None = None
    excused: bool = False
    feedback: str = ""
    levels: Mapping[int, int] = field(default_factory=dict)  # criterion id -> level id


class StaleGrade(Conflict):
    """The grade changed since the form was drawn. ``current`` is what stands now (None: not graded)."""

    message = _l("Someone else changed this grade while you were editing it. Your value was not saved.")

    def __init__(self, current: Grade | None, yours: GradeValue) -> None:
        super().__init__()
        self.current = current
        self.yours = yours


class PointsOutOfRange(DomainError):
    field = "points"

    def __init__(self, max_points: float) -> None:
        super().__init__(_l("Points must be between 0 and %(max)s.", max=f"{max_points:g}"))


class TooPrecise(DomainError):
    field = "points"
    message = _l("Points can have at most two decimals.")


class FeedbackTooLong(DomainError):
    field = "feedback"
    message = _l("Feedback can be at most 10,000 characters.")


class RubricIncomplete(DomainError):
    field = "levels"
    message = _l("Choose a level for every criterion of the rubric, or none of them.")


class NotGradable(DomainError):
    message = _l("Attendance is computed from the registers; it is not graded by hand.")


class NotOnRoster(DomainError):
    message = _l("This student is not on the cohort's roster.")


def check_gradable(assessment: Assessment, enrolment: Enrolment) -> None:
    """Whether ``enrolment`` can be graded in ``assessment``: 404 for another course's assessment."""
    if assessment.course_id != enrolment.cohort.course_id:
        raise NotFound()
    if assessment.kind is AssessmentKind.ATTENDANCE:
        raise NotGradable()
    if enrolment.status not in ROSTER_STATUSES:
        raise NotOnRoster()


def grade_of(session: Session, assessment_id: int, enrolment_id: int) -> Grade | None:
    return session.scalar(
        select(Grade)
        .options(selectinload(Grade.criteria))
        .where(Grade.assessment_id == assessment_id, Grade.enrolment_id == enrolment_id)
    )


def _rubric_points(assessment: Assessment, levels: Mapping[int, int]) -> float:
    criteria: dict[int, RubricCriterion] = {c.id: c for c in assessment.criteria}
    if set(levels) != set(criteria):
        raise RubricIncomplete()
    total = 0.0
    for criterion_id, level_id in levels.items():
        level = next((lv for lv in criteria[criterion_id].levels if lv.id == level_id), None)
        if level is None:
            raise RubricIncomplete()
        total += float(level.points)
    return round(total, 2)


def checked(assessment: Assessment, value: GradeValue) -> GradeValue:
    """``value`` with its points worked out from the rubric levels when given; bad values refused."""
    points = value.points
    if value.levels:
        points = _rubric_points(assessment, value.levels)
    if value.excused:
        points = None
    if points is not None:
        if not 0 <= points <= float(assessment.max_points):
            raise PointsOutOfRange(float(assessment.max_points))
        if round(points, 2) != points:
            raise TooPrecise()
    if len(value.feedback) > MAX_FEEDBACK:
        raise FeedbackTooLong()
    levels = dict(value.levels) if points is not None else {}
    return GradeValue(points, value.excused, value.feedback.strip(), levels)


def save_grade(
    session: Session,
    assessment: Assessment,
    enrolment: Enrolment,
    value: GradeValue,
    expected_version: int | None,
    actor: User | None,
    reason: str = "",
    source: GradeSource = GradeSource.MANUAL,
    now: datetime | None = None,
) -> Grade:
    """Save a student's grade of an assessment over ``expected_version`` (0: not graded yet).

    ``expected_version`` None saves over whatever stands; only a finished quiz does that. Raises
    :class:`StaleGrade` when the grade is no longer at ``expected_version``, and the errors of
    :func:`checked` for a bad value. Every change is written to the history; a change of points or
    of "excused" by a person (not a quiz) in a released assessment is also sent to the student.
    """
    check_gradable(assessment, enrolment)
    value = checked(assessment, value)
    now = now or utcnow()
    grade = grade_of(session, assessment.id, enrolment.id)
    current_version = grade.version if grade else 0
    if expected_version is not None and expected_version != current_version:
        raise StaleGrade(grade, value)
    old_points, old_excused = (grade.points, grade.excused) if grade else (None, False)
    old_feedback = grade.feedback if grade else ""
    old_levels = {c.criterion_id: c.level_id for c in grade.criteria} if grade else {}
    new_levels = dict(value.levels)
    points_changed = (old_points, old_excused) != (value.points, value.excused)
    feedback_changed = old_feedback != value.feedback
    levels_changed = old_levels != new_levels
    changed = points_changed or feedback_changed or levels_changed
    if grade is not None and not changed:
        return grade
    # Read before anything changes: this query's autoflush must not write outside the savepoint.
    tell = points_changed and source is not GradeSource.QUIZ and _released(session, assessment, enrolment)
    # The changes are made inside the savepoint: begin_nested() flushes what is pending before its
    # SAVEPOINT, so a version conflict found by that flush would break the caller's transaction.
    try:
        with session.begin_nested():
            if grade is None:
                grade = Grade(assessment_id=assessment.id, enrolment_id=enrolment.id)
                session.add(grade)
            grade.points = value.points
            grade.excused = value.excused
            grade.feedback = value.feedback
            grade.graded_by_id = actor.id if actor else None
            grade.graded_at = now
            grade.criteria = [
                GradeCriterion(criterion_id=c, level_id=lv) for c, lv in sorted(new_levels.items())
            ]
            # Other levels alone change no column of the grade's row: its version must move all the same.
            flag_modified(grade, "graded_at")
            if changed:  # an empty value saved over no grade leaves a row, not a change
                session.add(
                    GradeChange(
                        assessment_id=assessment.id,
                        enrolment_id=enrolment.id,
                        actor_id=actor.id if actor else None,
                        source=source,
                        at=now,
                        old_points=old_points,
                        old_excused=old_excused,
                        new_points=value.points,
                        new_excused=value.excused,
                        old_feedback=old_feedback if feedback_changed else None,
                        new_feedback=value.feedback if feedback_changed else None,
                        old_levels=_levels_json(old_levels) if levels_changed else None,
                        new_levels=_levels_json(new_levels) if levels_changed else None,
                        reason=reason.strip()[:1000],
                    )
                )
            if tell:
                # The version this save gives the grade: one message per change, never two for one.
                given = old_points is None and not old_excused
                tell_of_grade(session, enrolment, assessment, current_version + 1, given)
            session.flush()
    except (StaleDataError, IntegrityError) as error:
        # Saved by someone else between our read and our write (a new row, or a newer version).
        raise StaleGrade(None, value) from error
    log.info(
        "grade of assessment %s for enrolment %s set to %s by %s (%s)",
        assessment.id,
        enrolment.id,
        "excused" if value.excused else value.points,
        actor.id if actor else "quiz",
        source.value,
    )
    return grade


def _levels_json(levels: Mapping[int, int]) -> dict[str, int]:
    """Rubric levels as the history keeps them: ``{"<criterion id>": <level id>}``."""
    return {str(criterion): level for criterion, level in sorted(levels.items())}


def _released(session: Session, assessment: Assessment, enrolment: Enrolment) -> bool:
    """Whether the student's cohort has released the assessment's grades.

    The assessment's row is held first, as a release holds it (``academy.grading.locks``): a release
    at this moment either finishes before this read or waits for this grade and announces it.
    """
    hold_assessment(session, assessment.id, "work")
    released_at = session.scalar(
        select(CohortAssessment.released_at).where(
            CohortAssessment.cohort_id == enrolment.cohort_id, CohortAssessment.assessment_id == assessment.id
        )
    )
    return released_at is not None
