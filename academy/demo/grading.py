"""Demo assessment data: hand-ins, quiz attempts, grades with their history, and released results.

Cohorts that have started get the work that is due so far. In past cohorts everything is graded and
released, and each student's computed result agrees with the outcome the enrolment already has
(completed: passed, failed: failed), so that certificates can be issued from the results. In running
cohorts the older work is graded and released, the work of the last week is partly graded and not
released, and work not yet due is mostly still to hand in. The demo student sees a result and
released grades in a past cohort and has work to hand in in a running one, where the demo instructor
has their work waiting to be graded.

Everything is written with bulk INSERTs; the amounts follow the seats of the started cohorts, not
the number of students in the demo.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    cohort_instructors,
)
from academy.cohorts.timetable import local_to_utc
from academy.demo.work import DAY, HOUR, Cell, Column, Student, student_cell
from academy.grading.book import END_OF_DAY, default_due_at, policy_of
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Grade,
    GradeChange,
    GradeCriterion,
    QuizAnswer,
    QuizAttempt,
    QuizQuestion,
    RubricCriterion,
    Submission,
)
from academy.grading.release import released_key
from academy.grading.results import Policy, ResultState, Work, compute_result
from academy.notifications.models import EmailStatus, Notification, NotificationKind

DEMO_STUDENT = "student@demo.academy.uz"
DEMO_INSTRUCTOR = "instructor@demo.academy.uz"
REVIEW = timedelta(days=7)  # work due within the last week is still being graded, and not released
WANTED = {EnrolmentStatus.COMPLETED: ResultState.PASSED, EnrolmentStatus.FAILED: ResultState.FAILED}
CHUNK = 2000


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    # Into the table, past the ORM: it would reset the grades' versions to 1 and make one statement
    # per pattern of NULLs.
    statement = insert(model.__table__)
    for offset in range(0, len(rows), CHUNK):
        session.execute(statement, rows[offset : offset + CHUNK])


class _Marks:
    """Each student's attendance marks in a cohort: counts, and the sessions they missed."""

    def __init__(self) -> None:
        self.counts: dict[AttendanceStatus, int] = defaultdict(int)
        self.absent: list[int] = []

    def rate(self) -> float | None:
        counted = sum(self.counts.values()) - self.counts[AttendanceStatus.EXCUSED]
        came = self.counts[AttendanceStatus.PRESENT] + self.counts[AttendanceStatus.LATE]
        return came / counted if counted else None

    def excuse_until(self, minimum: float) -> list[int]:
        """Excuse missed sessions (a medical certificate) until the rate reaches ``minimum`` percent."""
        excused = []
        while self.absent and (rate := self.rate()) is not None and rate * 100 < minimum:
            excused.append(self.absent.pop())
            self.counts[AttendanceStatus.ABSENT] -= 1
            self.counts[AttendanceStatus.EXCUSED] += 1
        return excused


def _marks(session: Session, cohort_ids: list[int]) -> dict[tuple[int, int], _Marks]:
    marks: dict[tuple[int, int], _Marks] = defaultdict(_Marks)
    for session_id, cohort_id, student_id, status in session.execute(
        select(CohortSession.id, CohortSession.cohort_id, Attendance.student_id, Attendance.status)
        .join(Attendance, Attendance.session_id == CohortSession.id)
        .where(CohortSession.cohort_id.in_(cohort_ids))
        .order_by(CohortSession.starts_at)
    ):
        found = marks[(cohort_id, student_id)]
        found.counts[status] += 1
        if status is AttendanceStatus.ABSENT:
            found.absent.append(session_id)
    return marks


def _columns(
    rng: random.Random,
    cohort: Cohort,
    assessments: list[Assessment],
    items: list[dict[str, Any]],
    now: datetime,
) -> list[Column]:
    over = local_to_utc(cohort.ends_on, END_OF_DAY) < now
    columns = []
    for assessment, item in zip(assessments, items, strict=True):
        due = default_due_at(assessment, cohort)
        released = None
        if due < now and (over or due < now - REVIEW):
            released = min(due + rng.uniform(2, 5) * DAY, now - HOUR)
        columns.append(
            Column(
                id=assessment.id,
                kind=assessment.kind,
                max_points=float(assessment.max_points),
                weight=assessment.weight,
                due_at=due,
                submission=assessment.submission_type,
                criteria=tuple(
                    (c.id, tuple((level.id, float(level.points)) for level in c.levels))
                    for c in assessment.criteria
                ),
                questions=tuple(
                    (q.id, q.multiple, float(q.points), tuple((o.id, o.correct) for o in q.options))
                    for q in assessment.questions
                ),
                max_attempts=assessment.max_attempts,
                time_limit=assessment.time_limit_minutes,
                item=item,
                released_at=released,
                grading=released is None and due < now,
            )
        )
    return columns


def _result(
    policy: Policy, columns: list[Column], cells: list[Cell], rate: float | None, now: datetime
) -> Any:
    """The result the gradebook will compute from these cells (see :func:`academy.grading.book.rows`)."""
    works = []
    for column, cell in zip(columns, cells, strict=True):
        if column.kind is AssessmentKind.ATTENDANCE:
            points = None if rate is None else round(rate * column.max_points, 2)
            excused = rate is None
        else:
            grade = cell.grade or {}
            points, excused = grade.get("points"), bool(grade.get("excused"))
        works.append(
            Work(
                weight=column.weight,
                max_points=column.max_points,
                due_at=column.due_at,
                hand_in=column.hand_in,
                points=points,
                excused=excused,
                handed_in_at=cell.handed_in_at,
            )
        )
    return compute_result(policy, works, rate, now).state


def _ability(rng: random.Random, status: EnrolmentStatus, tries: int) -> float:
    if status is EnrolmentStatus.COMPLETED:
        return (rng.uniform(0.68, 0.97), 0.9, 0.97)[min(tries, 2)]
    if status is EnrolmentStatus.FAILED:
        return (rng.uniform(0.35, 0.62), 0.4, 0.1)[min(tries, 2)]
    return rng.uniform(0.6, 0.97) if rng.random() < 0.85 else rng.uniform(0.3, 0.6)


def load_grading(
    session: Session, now: datetime, seed: int, files: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """Work and grades for the cohorts that have started; ``files``: the courses' assessment files."""
    rng = random.Random(seed)
    items_by_course = {spec["course_id"]: spec["items"] for spec in files.values()}
    demo_student = session.scalar(select(User.id).where(User.email == DEMO_STUDENT))
    cohorts = session.scalars(
        select(Cohort)
        .options(selectinload(Cohort.course))
        .where(Cohort.starts_on <= now.date(), Cohort.course_id.in_(items_by_course))
        .order_by(Cohort.id)
    ).all()
    cohort_ids = [c.id for c in cohorts]
    assessments: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in session.scalars(
        select(Assessment)
        .options(
            selectinload(Assessment.criteria).selectinload(RubricCriterion.levels),
            selectinload(Assessment.questions).selectinload(QuizQuestion.options),
        )
        .order_by(Assessment.course_id, Assessment.position)
    ):
        assessments[assessment.course_id].append(assessment)
    graders: dict[int, list[int]] = defaultdict(list)
    for cohort_id, instructor_id in session.execute(
        select(cohort_instructors.c.cohort_id, cohort_instructors.c.instructor_id)
        .where(cohort_instructors.c.cohort_id.in_(cohort_ids))
        .order_by(cohort_instructors.c.cohort_id, cohort_instructors.c.instructor_id)
    ):
        graders[cohort_id].append(instructor_id)
    roster: dict[int, list[tuple[int, int, EnrolmentStatus]]] = defaultdict(list)
    for row in session.execute(
        select(Enrolment.cohort_id, Enrolment.id, Enrolment.student_id, Enrolment.status)
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status.in_(ROSTER_STATUSES))
        .order_by(Enrolment.cohort_id, Enrolment.id)
    ):
        roster[row.cohort_id].append((row.id, row.student_id, row.status))
    marks = _marks(session, cohort_ids)

    cells: list[Cell] = []
    releases: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    excused_marks: list[dict[str, Any]] = []
    for cohort in cohorts:
        columns = _columns(rng, cohort, assessments[cohort.course_id], items_by_course[cohort.course_id], now)
        teachers = graders[cohort.id]
        policy = policy_of(cohort.course)
        opens_at = local_to_utc(cohort.starts_on, time(9, 0))
        for column in columns:
            if column.released_at is not None:
                releases.append(
                    {
                        "cohort_id": cohort.id,
                        "assessment_id": column.id,
                        "due_at": None,
                        "released_at": column.released_at,
                        "released_by_id": rng.choice(teachers) if teachers else None,
                        "version": 1,
                    }
                )
        for enrolment_id, student_id, status in roster[cohort.id]:
            attended = marks[(cohort.id, student_id)]
            if status is EnrolmentStatus.COMPLETED:
                for session_id in attended.excuse_until(policy.min_attendance):
                    excused_marks.append(
                        {
                            "session_id": session_id,
                            "student_id": student_id,
                            "status": AttendanceStatus.EXCUSED,
                        }
                    )
            for tries in range(3):
                demo = student_id == demo_student
                student = Student(
                    enrolment_id=enrolment_id,
                    student_id=student_id,
                    ability=0.88 if demo else _ability(rng, status, tries),
                    careful=demo or (tries == 2 and status is EnrolmentStatus.COMPLETED),
                    showcase=demo and status is EnrolmentStatus.ENROLLED,
                )
                work = [
                    student_cell(rng, column, student, teachers, cohort.course.language, opens_at, now)
                    for column in columns
                ]
                wanted = WANTED.get(status)
                if wanted is None or _result(policy, columns, work, attended.rate(), now) is wanted:
                    break
            else:
                raise AssertionError(f"no demo grades give enrolment {enrolment_id} the result {wanted}")
            cells.extend(work)
            notices.extend(
                {
                    "user_id": student_id,
                    "kind": NotificationKind.GRADES_RELEASED,
                    "cohort_id": cohort.id,
                    "assessment_id": column.id,
                    "created_at": column.released_at,
                    "read_at": min(column.released_at + DAY, now),
                    "email_status": EmailStatus.SENT,
                    "emailed_at": column.released_at,
                    # As release_grades writes it: releasing the assessment again tells nobody twice.
                    "dedupe_key": released_key(cohort.id, column.id, student_id),
                }
                for column, cell in zip(columns, work, strict=True)
                if column.released_at is not None and cell.grade is not None  # told only when graded
            )
    return _write(session, cells, releases, notices, excused_marks)


def _write(
    session: Session,
    cells: list[Cell],
    releases: list[dict[str, Any]],
    notices: list[dict[str, Any]],
    excused_marks: list[dict[str, Any]],
) -> dict[str, int]:
    """Insert the rows in bulk; attempts' answers and grades' levels once their parents have ids."""
    if excused_marks:
        session.execute(update(Attendance), excused_marks)
    _bulk(session, Submission, [cell.submission for cell in cells if cell.submission])
    attempts = [attempt for cell in cells for attempt in cell.attempts]
    _bulk(session, QuizAttempt, [row for row, _ticked in attempts])
    attempt_ids = {
        (assessment_id, enrolment_id, number): id_
        for id_, assessment_id, enrolment_id, number in session.execute(
            select(QuizAttempt.id, QuizAttempt.assessment_id, QuizAttempt.enrolment_id, QuizAttempt.number)
        )
    }
    _bulk(
        session,
        QuizAnswer,
        [
            {
                "attempt_id": attempt_ids[(row["assessment_id"], row["enrolment_id"], row["number"])],
                "option_id": option,
            }
            for row, ticked in attempts
            for option in ticked
        ],
    )
    graded = [cell for cell in cells if cell.grade]
    _bulk(session, Grade, [cell.grade for cell in graded if cell.grade])
    grade_ids = {
        (assessment_id, enrolment_id): id_
        for id_, assessment_id, enrolment_id in session.execute(
            select(Grade.id, Grade.assessment_id, Grade.enrolment_id)
        )
    }
    levels = [
        {
            "grade_id": grade_ids[(cell.grade["assessment_id"], cell.grade["enrolment_id"])],
            "criterion_id": criterion,
            "level_id": level,
        }
        for cell in graded
        if cell.grade
        for criterion, level in cell.levels
    ]
    _bulk(session, GradeCriterion, levels)
    changes = [change for cell in cells for change in cell.changes]
    _bulk(session, GradeChange, changes)
    _bulk(session, CohortAssessment, releases)
    _bulk(session, Notification, notices)
    session.flush()
    return {
        "hand-ins": sum(cell.submission is not None for cell in cells),
        "quiz attempts": len(attempts),
        "grades": len(graded),
        "grade changes": len(changes),
        "released assessments": len(releases),
        "grade notifications": len(notices),
    }
