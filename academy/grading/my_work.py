"""A student's own work and results in a cohort, as the student may see them.

Grades stay with the instructor until they release them, assessment by assessment. Until then the
student sees only what they know themselves (whether and when they handed in, how late, what is
missing) and the assessment counts in their result as "not known yet": the result here is computed
from the released grades only, and stays "in progress" while any is unreleased. Points, feedback,
rubric levels and late penalties of an unreleased assessment never leave this module.

Reads are a fixed number of queries, however many assessments the course has.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.errors import NotFound
from academy.grading import book
from academy.grading.models import AssessmentKind, Grade, GradeCriterion, RubricCriterion, RubricLevel
from academy.grading.results import Policy, Result, Scored, Work, WorkState, compute_result, days_late


class Standing(enum.StrEnum):
    """How a piece of work stands, as its student sees it."""

    TO_DO = "to_do"  # not due yet, nothing handed in
    HANDED_IN = "handed_in"  # handed in on time; no released grade yet
    LATE = "late"  # handed in after the due date and its grace period; no released grade yet
    MISSING = "missing"  # the due date has passed and nothing was handed in
    AWAITING = "awaiting"  # an exam whose date has passed, its grade not released yet
    GRADED = "graded"  # its grade is released
    EXCUSED = "excused"  # released as excused: it does not count
    ATTENDANCE = "attendance"  # counted from the attendance registers


@dataclass(frozen=True)
class Level:
    """The level a released rubric gave one criterion."""

    criterion: str
    level: str
    points: float
    max_points: float


@dataclass(frozen=True)
class Item:
    """One assessment of the course for this student. Grade fields are None unless released."""

    column: book.Column
    standing: Standing
    handed_in_at: datetime | None
    days_late: int
    scored: Scored  # what it counts as in the result shown (unreleased: open)
    points: float | None = None
    raw_percent: float | None = None  # points out of the maximum, before any late penalty
    feedback: str = ""
    levels: tuple[Level, ...] = ()

    @property
    def assessment_id(self) -> int:
        return self.column.id

    @property
    def penalised(self) -> bool:
        return self.scored.state is WorkState.LATE and self.scored.percent != self.raw_percent


@dataclass(frozen=True)
class MyWork:
    cohort: Cohort
    enrolment: Enrolment
    policy: Policy
    items: tuple[Item, ...]
    result: Result  # from released grades only
    attendance_rate: float | None
    unreleased: int  # assessments whose grades are not released yet (attendance aside)


def student_enrolment(session: Session, student: User, code: str) -> Enrolment:
    """``student``'s place in the cohort ``code``, while they are or were enrolled; 404 otherwise."""
    enrolment = session.scalar(
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .where(
            Cohort.code == code,
            Enrolment.student_id == student.id,
            Enrolment.status.in_(ROSTER_STATUSES),
        )
    )
    if enrolment is None:
        raise NotFound()
    return enrolment


def visible(column: book.Column) -> bool:
    """Whether the student may see the grade of this column (attendance is theirs to see anyway)."""
    return column.released or column.assessment.kind is AssessmentKind.ATTENDANCE


def masked_work(column: book.Column, cell: book.Cell) -> Work:
    """The work as it counts for the student: unreleased grades are not known yet (open)."""
    assessment = column.assessment
    if visible(column):
        return Work(
            weight=assessment.weight,
            max_points=float(assessment.max_points),
            due_at=column.due_at,
            hand_in=assessment.hand_in,
            points=cell.points,
            excused=cell.excused,
            handed_in_at=cell.handed_in_at,
        )
    # No due date: never "missing" in the result; no points: never scored.
    return Work(
        weight=assessment.weight,
        max_points=float(assessment.max_points),
        hand_in=assessment.hand_in,
        handed_in_at=cell.handed_in_at,
    )


def standing_of(
    column: book.Column, handed_in_at: datetime | None, scored: Scored, policy: Policy, now: datetime
) -> tuple[Standing, int]:
    """How the work stands and how many days late it was handed in."""
    if column.assessment.kind is AssessmentKind.ATTENDANCE:
        return Standing.ATTENDANCE, 0
    late = days_late(handed_in_at, column.due_at, policy.grace) if handed_in_at else 0
    if visible(column) and scored.state in (WorkState.GRADED, WorkState.LATE):
        return Standing.GRADED, late
    if visible(column) and scored.state is WorkState.EXCUSED:
        return Standing.EXCUSED, 0
    if handed_in_at is not None:
        return (Standing.LATE if late else Standing.HANDED_IN), late
    if now <= column.due_at + policy.grace:
        return Standing.TO_DO, 0
    return (Standing.MISSING if column.assessment.hand_in else Standing.AWAITING), 0


def _feedback(
    session: Session, enrolment_id: int, assessment_ids: Sequence[int]
) -> dict[int, tuple[int, str]]:
    """Grade id and feedback by assessment, for the released assessments only."""
    if not assessment_ids:
        return {}
    return {
        assessment_id: (grade_id, feedback)
        for grade_id, assessment_id, feedback in session.execute(
            select(Grade.id, Grade.assessment_id, Grade.feedback).where(
                Grade.enrolment_id == enrolment_id, Grade.assessment_id.in_(assessment_ids)
            )
        )
    }


def _levels(session: Session, grade_ids: Sequence[int]) -> dict[int, list[Level]]:
    """Rubric levels by grade id, in the order of the rubric (one query)."""
    if not grade_ids:
        return {}
    other = aliased(RubricLevel)
    criterion_max = (
        select(func.max(other.points)).where(other.criterion_id == RubricCriterion.id).scalar_subquery()
    )
    found: dict[int, list[Level]] = {}
    for grade_id, criterion, level, points, top in session.execute(
        select(
            GradeCriterion.grade_id,
            RubricCriterion.title,
            RubricLevel.title,
            RubricLevel.points,
            criterion_max,
        )
        .join(RubricCriterion, RubricCriterion.id == GradeCriterion.criterion_id)
        .join(RubricLevel, RubricLevel.id == GradeCriterion.level_id)
        .where(GradeCriterion.grade_id.in_(grade_ids))
        .order_by(GradeCriterion.grade_id, RubricCriterion.position, RubricCriterion.id)
    ):
        found.setdefault(grade_id, []).append(Level(criterion, level, float(points), float(top or 0)))
    return found


def my_work(session: Session, enrolment: Enrolment, now: datetime) -> MyWork:
    """The student's assessments in order, with what they may see of each, and their result."""
    cohort = enrolment.cohort
    policy = book.policy_of(cohort.course)
    cols = book.columns(session, cohort)
    found = book.rows(session, cohort, cols, now, enrolment_ids=[enrolment.id])
    if not found:
        raise NotFound()
    row = found[0]
    works = [masked_work(column, cell) for column, cell in zip(cols, row.cells, strict=True)]
    result = compute_result(policy, works, row.attendance_rate, now)
    released = [c.id for c in cols if c.released and c.assessment.kind is not AssessmentKind.ATTENDANCE]
    feedback = _feedback(session, enrolment.id, released)
    levels = _levels(session, [grade_id for grade_id, _ in feedback.values()])
    items = []
    for column, cell, scored in zip(cols, row.cells, result.scored, strict=True):
        standing, late = standing_of(column, cell.handed_in_at, scored, policy, now)
        shown = visible(column) and cell.points is not None and not cell.excused
        # An excused grade has no points, but its feedback (why it is excused) is the student's too.
        told = visible(column) and (cell.points is not None or cell.excused)
        grade_id, text = feedback.get(column.id, (0, "")) if told else (0, "")
        items.append(
            Item(
                column,
                standing,
                cell.handed_in_at,
                late,
                scored,
                points=cell.points if shown else None,
                raw_percent=(cell.points or 0) / float(column.assessment.max_points) * 100 if shown else None,
                feedback=text,
                levels=tuple(levels.get(grade_id, ())),
            )
        )
    return MyWork(
        cohort=cohort,
        enrolment=enrolment,
        policy=policy,
        items=tuple(items),
        result=result,
        attendance_rate=row.attendance_rate,
        unreleased=sum(1 for c in cols if not visible(c)),
    )


def item_of(work: MyWork, assessment_id: int) -> Item:
    """The item of one assessment of the course; 404 for an assessment of another course."""
    item = next((i for i in work.items if i.assessment_id == assessment_id), None)
    if item is None:
        raise NotFound()
    return item
