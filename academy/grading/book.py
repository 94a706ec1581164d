"""A cohort's gradebook as data: its assessments with due dates and release, and each student's row.

Every reader of grades goes through here: the gradebook page, the exports, the student's own
results. The number of queries is fixed (assessments, cohort changes, roster, grades, hand-ins, quiz
attempts, attendance), whatever the number of students or assessments. The exports read the roster
in batches (:func:`iter_rows`) so that memory stays flat however large the cohort.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES, attendance_rates
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.timetable import local_to_utc
from academy.courses.models import Course
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Grade,
    QuizAttempt,
    Submission,
)
from academy.grading.results import Policy, Result, Scored, Work, compute_result

END_OF_DAY = time(23, 59, 59)  # the whole last minute of the day is on time
BATCH = 500


def policy_of(course: Course) -> Policy:
    return Policy(
        pass_mark=course.pass_mark,
        grace=timedelta(hours=course.late_grace_hours),
        penalty_per_day=float(course.late_penalty_per_day),
        floor=course.late_floor,
        min_attendance=course.min_attendance,
        missing_counts_as=course.missing_counts_as,
    )


def default_due_at(assessment: Assessment, cohort: Cohort) -> datetime:
    """23:59:59 (Tashkent) of the assessment's day of the cohort, never after the cohort's last day."""
    if assessment.due_day is None:
        day = cohort.ends_on
    else:
        day = min(cohort.starts_on + timedelta(days=assessment.due_day), cohort.ends_on)
    return local_to_utc(day, END_OF_DAY)


@dataclass(frozen=True)
class Column:
    """An assessment as one cohort has it."""

    assessment: Assessment
    due_at: datetime
    due_moved: bool  # the cohort moved the due date away from the course's default
    released_at: datetime | None
    change_version: int  # of the cohort's CohortAssessment row; 0 while there is none

    @property
    def id(self) -> int:
        return self.assessment.id

    @property
    def released(self) -> bool:
        return self.released_at is not None


def columns(session: Session, cohort: Cohort) -> list[Column]:
    """The course's assessments in order, with this cohort's due dates and releases (two queries)."""
    assessments = session.scalars(
        select(Assessment)
        .where(Assessment.course_id == cohort.course_id)
        .order_by(Assessment.position, Assessment.id)
    ).all()
    changes = {
        change.assessment_id: change
        for change in session.scalars(select(CohortAssessment).where(CohortAssessment.cohort_id == cohort.id))
    }
    result = []
    for assessment in assessments:
        change = changes.get(assessment.id)
        moved = change is not None and change.due_at is not None
        result.append(
            Column(
                assessment=assessment,
                due_at=change.due_at if change and change.due_at else default_due_at(assessment, cohort),
                due_moved=moved,
                released_at=change.released_at if change else None,
                change_version=change.version if change else 0,
            )
        )
    return result


class Cell(NamedTuple):
    """One student's standing in one assessment."""

    grade_id: int | None
    points: float | None
    excused: bool
    version: int  # of the grade; 0 while there is none
    handed_in_at: datetime | None
    scored: Scored


class Row(NamedTuple):
    enrolment_id: int
    student_id: int
    first_name: str
    last_name: str
    email: str
    status: EnrolmentStatus
    cells: tuple[Cell, ...]  # in the order of the columns
    attendance_rate: float | None  # between 0 and 1
    result: Result

    @property
    def name(self) -> str:
        return f"{self.last_name} {self.first_name}"


class _Roster(NamedTuple):
    enrolment_id: int
    student_id: int
    first_name: str
    last_name: str
    email: str
    status: EnrolmentStatus


def _roster(session: Session, cohort_id: int, enrolment_ids: Collection[int] | None) -> list[_Roster]:
    stmt = (
        select(
            Enrolment.id, Enrolment.student_id, User.first_name, User.last_name, User.email, Enrolment.status
        )
        .join(User, User.id == Enrolment.student_id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(ROSTER_STATUSES))
        .order_by(User.last_name, User.first_name, Enrolment.id)
    )
    if enrolment_ids is not None:
        stmt = stmt.where(Enrolment.id.in_(enrolment_ids))
    return [_Roster(*row) for row in session.execute(stmt)]


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch of rows is read and made.

    Rows are tuples of plain values with no reference cycles; making a few thousand of them would
    otherwise set off collections that walk the whole heap again and again (measured: 40% of an
    export's time). Collection resumes, and catches up, when the batch is made.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_cycle_collection_paused()
def _rows(
    session: Session,
    cohort: Cohort,
    cols: Sequence[Column],
    roster: Sequence[_Roster],
    now: datetime,
    some: bool,
) -> list[Row]:
    """Rows of ``roster``; ``some``: it is part of the cohort's roster, so reads are limited to it."""
    if not roster:
        return []
    ids = [r.enrolment_id for r in roster] if some else None

    def of_roster(column: Any) -> Any:
        return column.in_(ids) if ids is not None else true()

    # Plain column reads on the connection, fetched whole: the ORM's row processing and a fetch per
    # row would double their cost.
    connection = session.connection()

    grades = {
        (assessment_id, enrolment_id): (grade_id, points, excused, version)
        for grade_id, assessment_id, enrolment_id, points, excused, version in connection.execute(
            select(
                Grade.id, Grade.assessment_id, Grade.enrolment_id, Grade.points, Grade.excused, Grade.version
            )
            .join(Enrolment, Enrolment.id == Grade.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id, of_roster(Grade.enrolment_id))
        ).all()
    }
    handed_in: dict[tuple[int, int], datetime | None] = {
        (assessment_id, enrolment_id): at
        for assessment_id, enrolment_id, at in connection.execute(
            select(Submission.assessment_id, Submission.enrolment_id, Submission.submitted_at)
            .join(Enrolment, Enrolment.id == Submission.enrolment_id)
            .where(Enrolment.cohort_id == cohort.id, of_roster(Submission.enrolment_id))
        ).all()
    }
    # A quiz counts as handed in with its first finished attempt (quizzes close at their due date).
    handed_in.update(
        ((assessment_id, enrolment_id), at)
        for assessment_id, enrolment_id, at in connection.execute(
            select(QuizAttempt.assessment_id, QuizAttempt.enrolment_id, func.min(QuizAttempt.submitted_at))
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .where(
                Enrolment.cohort_id == cohort.id,
                of_roster(QuizAttempt.enrolment_id),
                QuizAttempt.submitted_at.is_not(None),
            )
            .group_by(QuizAttempt.assessment_id, QuizAttempt.enrolment_id)
        ).all()
    )
    needs_rates = (
        any(c.assessment.kind is AssessmentKind.ATTENDANCE for c in cols) or cohort.course.min_attendance
    )
    rates = (
        attendance_rates(session, cohort.id, [r.student_id for r in roster] if some else None)
        if needs_rates
        else {}
    )
    policy = policy_of(cohort.course)
    over = local_to_utc(cohort.ends_on, END_OF_DAY) < now
    # What each column gives every student's Work, read once (not once per student and column).
    plans = [
        (
            c.assessment.id,
            c.assessment.kind is AssessmentKind.ATTENDANCE,
            c.assessment.weight,
            float(c.assessment.max_points),
            c.due_at,
            c.assessment.hand_in,
        )
        for c in cols
    ]
    rows = []
    for student in roster:
        rate = rates[student.student_id].value if student.student_id in rates else None
        works = []
        found: list[tuple[int | None, float | None, bool, int, datetime | None]] = []
        for assessment_id, attendance, weight, max_points, due_at, hand_in in plans:
            key = (assessment_id, student.enrolment_id)
            if attendance:
                points = None if rate is None else round(rate * max_points, 2)
                # No session recorded for the student by the cohort's end: the component drops out.
                found.append((None, points, rate is None and over, 0, None))
            else:
                grade_id, points, excused, version = grades.get(key, (None, None, False, 0))
                found.append((grade_id, points, excused, version, handed_in.get(key)))
            _, points, excused, _, at = found[-1]
            works.append(
                Work(
                    weight=weight,
                    max_points=max_points,
                    due_at=due_at,
                    hand_in=hand_in,
                    points=points,
                    excused=excused,
                    handed_in_at=at,
                )
            )
        result = compute_result(policy, works, rate, now)
        cells = tuple(
            Cell(grade_id, points, excused, version, at, scored)
            for (grade_id, points, excused, version, at), scored in zip(found, result.scored, strict=True)
        )
        rows.append(
            Row(
                enrolment_id=student.enrolment_id,
                student_id=student.student_id,
                first_name=student.first_name,
                last_name=student.last_name,
                email=student.email,
                status=student.status,
                cells=cells,
                attendance_rate=rate,
                result=result,
            )
        )
    return rows


def rows(
    session: Session,
    cohort: Cohort,
    cols: Sequence[Column],
    now: datetime,
    enrolment_ids: Collection[int] | None = None,
) -> list[Row]:
    """The roster's rows (or those of some enrolments), by surname."""
    return _rows(
        session, cohort, cols, _roster(session, cohort.id, enrolment_ids), now, enrolment_ids is not None
    )


def iter_rows(
    session: Session, cohort: Cohort, cols: Sequence[Column], now: datetime, batch: int = BATCH
) -> Iterator[Row]:
    """The roster's rows by surname, ``batch`` students at a time: memory does not grow with the cohort."""
    ids = list(
        session.scalars(
            select(Enrolment.id)
            .join(User, User.id == Enrolment.student_id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ROSTER_STATUSES))
            .order_by(User.last_name, User.first_name, Enrolment.id)
        )
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        yield from _rows(session, cohort, cols, _roster(session, cohort.id, chunk), now, True)


def weights_total(cols: Sequence[Column]) -> int:
    return sum(c.assessment.weight for c in cols)
