"""Grading one student's work at a time: what was handed in, how late, who comes next, and the rule
that a grade already given is changed only with a reason.

The grading view (:mod:`academy.grading.marking_views`) reads through here and saves through
:func:`mark`, which checks the value, asks for a reason when a given grade is changed, and leaves the
version check and the history to :func:`academy.grading.services.save_grade`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, exists, literal, or_, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Enrolment
from academy.errors import DomainError
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    Grade,
    QuizAttempt,
    Submission,
)
from academy.grading.results import Policy, days_late
from academy.grading.services import GradeValue, check_gradable, checked, grade_of, save_grade


class ReasonRequired(DomainError):
    field = "reason"
    message = _l("Give a reason for changing a grade that was already given.")


def changes_a_given_grade(current: Grade | None, value: GradeValue) -> bool:
    """Whether saving ``value`` changes the points or "excused" of a grade that was already given.

    Grading for the first time, or changing only the feedback, needs no reason; changing (or
    clearing) a grade students may already have seen does, so that the history can say why.
    """
    if current is None or (current.points is None and not current.excused):
        return False
    return (current.points, current.excused) != (value.points, value.excused)


def mark(
    session: Session,
    assessment: Assessment,
    enrolment: Enrolment,
    value: GradeValue,
    expected_version: int,
    actor: User,
    reason: str = "",
) -> Grade:
    """Save a grade from the grading view: :func:`save_grade`, plus a reason for changing a given grade.

    Raises the errors of ``save_grade`` (the value's, then :class:`StaleGrade`), and
    :class:`ReasonRequired` when a given grade changes without a reason.
    """
    check_gradable(assessment, enrolment)
    value = checked(assessment, value)
    current = grade_of(session, assessment.id, enrolment.id)
    current_version = current.version if current else 0
    # On another version save_grade answers StaleGrade: the grader must first see what stands now.
    if current_version == expected_version and not reason.strip() and changes_a_given_grade(current, value):
        raise ReasonRequired()
    return save_grade(session, assessment, enrolment, value, expected_version, actor, reason)


def submission_of(session: Session, assessment_id: int, enrolment_id: int) -> Submission | None:
    return session.scalar(
        select(Submission).where(
            Submission.assessment_id == assessment_id, Submission.enrolment_id == enrolment_id
        )
    )


def attempts_of(session: Session, assessment_id: int, enrolment_id: int) -> list[QuizAttempt]:
    """A student's attempts at a quiz, in the order they were made."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.assessment_id == assessment_id, QuizAttempt.enrolment_id == enrolment_id)
            .order_by(QuizAttempt.number)
        )
    )


@dataclass(frozen=True)
class Lateness:
    """How late a hand-in was, and what the course's late policy takes off for it."""

    after_due: bool  # handed in after the due date (perhaps within the grace period)
    days: int  # the days the policy counts (0 within the grace period)
    per_day: float  # percentage points taken off the score per day
    floor: float  # percent a penalty never takes the score below

    @property
    def penalty(self) -> float:
        """Percentage points taken off the score (before the floor)."""
        return round(self.days * self.per_day, 2)


def lateness(handed_in_at: datetime | None, due_at: datetime, policy: Policy) -> Lateness | None:
    """None when nothing was handed in; the same day count as the result function uses otherwise."""
    if handed_in_at is None:
        return None
    return Lateness(
        after_due=handed_in_at > due_at,
        days=days_late(handed_in_at, due_at, policy.grace),
        per_day=policy.penalty_per_day,
        floor=policy.floor,
    )


@dataclass(frozen=True)
class Neighbours:
    """Where a student stands in the gradebook's order, and who comes before and after."""

    previous: int | None  # enrolment ids
    next: int | None
    position: int | None  # 1-based, among the whole roster; None when not on it
    total: int
    waiting: int  # how many on the roster have work that waits for a grade


def neighbours(
    session: Session, cohort_id: int, assessment: Assessment, enrolment_id: int, only_waiting: bool = False
) -> Neighbours:
    """The students before and after ``enrolment_id`` by surname, first name and id (the gradebook's
    order); ``only_waiting``: skipping those whose work is not handed in or already graded.

    One query, whatever the size of the roster.
    """
    graded = exists().where(
        Grade.assessment_id == assessment.id,
        Grade.enrolment_id == Enrolment.id,
        or_(Grade.points.is_not(None), Grade.excused),
    )
    waiting: ColumnElement[int]
    if assessment.kind is AssessmentKind.ATTENDANCE:
        waiting = literal(0)  # computed from the registers, never graded by hand
    elif assessment.hand_in:
        handed_in = or_(
            exists().where(
                Submission.assessment_id == assessment.id, Submission.enrolment_id == Enrolment.id
            ),
            exists().where(
                QuizAttempt.assessment_id == assessment.id,
                QuizAttempt.enrolment_id == Enrolment.id,
                QuizAttempt.submitted_at.is_not(None),
            ),
        )
        waiting = case((and_(handed_in, ~graded), 1), else_=0)
    else:
        waiting = case((~graded, 1), else_=0)  # an exam waits for its grade from the start
    rows = session.execute(
        select(Enrolment.id, waiting)
        .join(User, User.id == Enrolment.student_id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(ROSTER_STATUSES))
        .order_by(User.last_name, User.first_name, Enrolment.id)
    ).all()
    ids = [row[0] for row in rows]
    flagged = [bool(row[1]) for row in rows]
    if enrolment_id not in ids:
        return Neighbours(None, None, None, len(ids), sum(flagged))
    here = ids.index(enrolment_id)

    def step(indexes: range) -> int | None:
        return next((ids[i] for i in indexes if flagged[i] or not only_waiting), None)

    return Neighbours(
        previous=step(range(here - 1, -1, -1)),
        next=step(range(here + 1, len(ids))),
        position=here + 1,
        total=len(ids),
        waiting=sum(flagged),
    )
