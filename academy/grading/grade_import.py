"""Grades imported from a CSV file, usually an edited export of the gradebook: the whole file is
checked and shown as a preview first (:func:`plan_grade_import`), then every change is written in one
transaction through :func:`~academy.grading.services.save_grade`, or none (:func:`apply_grade_import`).

Rows are matched to the cohort's roster by e-mail (or student ID), columns to the course's
assessments by the id their header ends with (``Quiz 1 [#12]``); other columns (names, attendance,
the result) are ignored, as are attendance assessments (computed from the registers). A cell holds
points (a decimal comma is fine), ``EX`` for excused, or nothing to leave the grade as it is.

The preview remembers the version of every grade it would change; applying saves over exactly that
version, so a grade changed by someone else in between is reported and nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.auth.services import LOCALES, normalize_email
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.db import utcnow
from academy.errors import DomainError
from academy.grading.exports import EXCUSED, assessment_id_of, column_header, restore
from academy.grading.import_report import (
    CELL_MAX,
    CellChange,
    GradeImportFailed,
    GradeImportHasErrors,
    GradePlan,
    GradeProblem,
    NoAssessmentColumn,
    NoStudentColumn,
)
from academy.grading.models import Assessment, AssessmentKind, Grade, GradeSource
from academy.grading.services import GradeValue, StaleGrade, save_grade
from academy.imports.csvfile import EmptyFile, column_of, read_records
from academy.imports.lookups import chunks

log = logging.getLogger(__name__)


def _key(header: str) -> str:
    return "".join(ch for ch in header.casefold() if ch.isalnum())


def _labels(message: str) -> set[str]:
    """``message`` translated into every language of the site, as header keys."""
    keys = {_key(message)}
    for locale in LOCALES:
        with force_locale(locale):
            keys.add(_key(gettext(message)))
    return keys


def parse_points(raw: str) -> Decimal | None:
    """Points as written (``17,5`` or ``17.5``); None when it is not a finite number."""
    text = raw.replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass
class _Header:
    email: int | None = None
    student_id: int | None = None
    assessments: dict[int, Assessment] = field(default_factory=dict)  # column index -> assessment


def _read_header(header: list[str], course_assessments: dict[int, Assessment], plan: GradePlan) -> _Header:
    found = _Header()
    email_keys, id_keys = _labels("E-mail"), _labels("Student ID")
    taken: set[int] = set()
    for index, raw in enumerate(header):
        cell = restore(raw.strip())
        key = _key(cell)
        assessment_id = assessment_id_of(cell)
        if found.email is None and (key in email_keys or column_of(cell) == "email"):
            found.email = index
        elif found.student_id is None and key in id_keys:
            found.student_id = index
        elif assessment_id is None:
            if cell:
                plan.ignored_columns.append(cell[:CELL_MAX])
        elif assessment_id not in course_assessments:
            plan.problem(1, "unknown_assessment", column=cell[:80])
        elif assessment_id in taken:
            plan.problem(1, "repeated_assessment", column=cell[:80])
        elif course_assessments[assessment_id].kind is AssessmentKind.ATTENDANCE:
            plan.ignored_columns.append(cell[:CELL_MAX])  # computed from the registers
        else:
            taken.add(assessment_id)
            found.assessments[index] = course_assessments[assessment_id]
    if found.email is None and found.student_id is None:
        raise NoStudentColumn()
    if not found.assessments and plan.clean:
        raise NoAssessmentColumn()
    return found


@dataclass(frozen=True)
class _Student:
    enrolment_id: int
    student_id: int
    email: str
    name: str


@dataclass
class _Roster:
    by_email: dict[str, _Student] = field(default_factory=dict)
    by_id: dict[str, _Student] = field(default_factory=dict)  # the student ID as written


def _roster(session: Session, cohort: Cohort) -> _Roster:
    roster = _Roster()
    for enrolment_id, student_id, email, last, first in session.execute(
        select(Enrolment.id, Enrolment.student_id, User.email, User.last_name, User.first_name)
        .join(User, User.id == Enrolment.student_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ROSTER_STATUSES))
    ):
        student = _Student(enrolment_id, student_id, normalize_email(email), f"{last} {first}")
        roster.by_email[student.email] = student
        roster.by_id[str(student_id)] = student
    return roster


def _grades(
    session: Session, enrolment_ids: Iterable[int]
) -> dict[tuple[int, int], tuple[float | None, bool, int]]:
    """(assessment, enrolment) -> (points, excused, version), a query per 500 students."""
    found = {}
    for batch in chunks(sorted(set(enrolment_ids))):
        for assessment_id, enrolment_id, points, excused, version in session.execute(
            select(Grade.assessment_id, Grade.enrolment_id, Grade.points, Grade.excused, Grade.version).where(
                Grade.enrolment_id.in_(batch)
            )
        ):
            found[(assessment_id, enrolment_id)] = (points, excused, version)
    return found


def _student(line: int, cells: list[str], head: _Header, roster: _Roster, plan: GradePlan) -> _Student | None:
    """The roster's student a row names, or None (with the problem noted)."""
    email = normalize_email(restore(cells[head.email])) if head.email is not None else ""
    raw_id = cells[head.student_id].strip() if head.student_id is not None else ""
    by_email = roster.by_email.get(email) if email else None
    by_id = roster.by_id.get(raw_id) if raw_id else None
    if not email and not raw_id:
        plan.problem(line, "no_student")
    elif email and by_email is None:
        plan.problem(line, "unknown_email", value=email[:80])
    elif raw_id and by_id is None:
        plan.problem(line, "unknown_student_id", value=raw_id[:CELL_MAX])
    elif by_email and by_id and by_email != by_id:
        plan.problem(line, "student_mismatch", email=email[:80], value=raw_id[:CELL_MAX])
    else:
        return by_email or by_id
    return None


def _value(line: int, raw: str, assessment: Assessment, plan: GradePlan) -> tuple[float | None, bool] | None:
    """(points, excused) a cell gives, or None for a bad cell (with the problem noted)."""
    column = column_header(assessment)
    if raw.upper() == EXCUSED:
        return None, True
    points = parse_points(raw)
    if points is None:
        plan.problem(line, "not_a_number", column=column, value=raw[:CELL_MAX])
    elif not 0 <= points <= Decimal(str(assessment.max_points)):
        plan.problem(
            line, "out_of_range", column=column, value=raw[:CELL_MAX], max=f"{assessment.max_points:g}"
        )
    elif points != points.quantize(Decimal("0.01")):
        plan.problem(line, "too_precise", column=column, value=raw[:CELL_MAX])
    else:
        return float(points), False
    return None


def plan_grade_import(
    session: Session, cohort: Cohort, data: bytes, now: datetime | None = None
) -> GradePlan:
    """Check a grade file against ``cohort``: what it would change, and every problem with its line.

    Reads only. Raises a DomainError when the file cannot be read as a grade file at all.
    """
    _delimiter, records = read_records(data)
    if len(records) < 2:
        raise EmptyFile()
    (_, header), rows = records[0], records[1:]
    plan = GradePlan(rows=len(rows), checked_at=(now or utcnow()).isoformat())
    course_assessments = {
        a.id: a for a in session.scalars(select(Assessment).where(Assessment.course_id == cohort.course_id))
    }
    head = _read_header(header, course_assessments, plan)
    roster = _roster(session, cohort)
    found: list[tuple[int, _Student, dict[int, tuple[float | None, bool]]]] = []
    seen: dict[int, int] = {}
    for line, record in rows:
        cells = [cell.strip() for cell in record]
        if len(cells) != len(header):
            plan.problem(line, "columns", found=len(cells), expected=len(header))
            continue
        student = _student(line, cells, head, roster, plan)
        if student is not None and student.enrolment_id in seen:
            plan.problem(line, "duplicate", line=seen[student.enrolment_id])
            student = None
        values = {}
        for index, assessment in head.assessments.items():
            if cells[index]:
                value = _value(line, cells[index], assessment, plan)
                if value is not None:
                    values[assessment.id] = value
        if student is not None:
            seen[student.enrolment_id] = line
            found.append((line, student, values))
    grades = _grades(session, (student.enrolment_id for _, student, _ in found))
    for line, student, values in found:
        for assessment_id, (points, excused) in values.items():
            old_points, old_excused, version = grades.get(
                (assessment_id, student.enrolment_id), (None, False, 0)
            )
            if (old_points, old_excused) == (points, excused):
                plan.unchanged += 1
                continue
            plan.changes.append(
                CellChange(
                    line,
                    student.enrolment_id,
                    assessment_id,
                    version,
                    old_points,
                    old_excused,
                    points,
                    excused,
                    student.name,
                )
            )
    return plan


def apply_grade_import(
    session: Session, cohort: Cohort, plan: GradePlan, actor: User | None, file_name: str = ""
) -> int:
    """Save every change of a clean plan over the version its preview saw; the number saved.

    Flushes; the caller commits, or rolls back on any error. A grade that changed since the preview,
    or can no longer be saved, raises :class:`GradeImportFailed` listing every such cell.
    """
    if not plan.clean:
        raise GradeImportHasErrors()
    assessments = {
        a.id: a for a in session.scalars(select(Assessment).where(Assessment.course_id == cohort.course_id))
    }
    enrolment_ids = sorted({c.enrolment_id for c in plan.changes})
    enrolments: dict[int, Enrolment] = {}
    feedback: dict[tuple[int, int], str] = {}
    for batch in chunks(enrolment_ids):
        enrolments.update(
            (e.id, e)
            for e in session.scalars(
                select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.id.in_(batch))
            )
        )
        feedback.update(
            ((a, e), text)
            for a, e, text in session.execute(
                select(Grade.assessment_id, Grade.enrolment_id, Grade.feedback).where(
                    Grade.enrolment_id.in_(batch)
                )
            )
        )
    reason = f"imported from {file_name}" if file_name else "imported"
    now = utcnow()
    failures: list[GradeProblem] = []
    for change in plan.changes:
        assessment = assessments.get(change.assessment_id)
        enrolment = enrolments.get(change.enrolment_id)
        column = column_header(assessment) if assessment else f"#{change.assessment_id}"
        if assessment is None or enrolment is None:
            failures.append(GradeProblem(change.line, "stale", {"student": change.student, "column": column}))
            continue
        value = GradeValue(
            points=change.new_points,
            excused=change.new_excused,
            feedback=feedback.get((assessment.id, enrolment.id), ""),
        )
        try:
            save_grade(
                session, assessment, enrolment, value, change.version, actor, reason, GradeSource.IMPORT, now
            )
        except StaleGrade:
            failures.append(GradeProblem(change.line, "stale", {"student": change.student, "column": column}))
        except DomainError as error:
            params = {"student": change.student, "column": column, "reason": str(error.message)}
            failures.append(GradeProblem(change.line, "refused", params))
    if failures:
        raise GradeImportFailed(failures)
    log.info(
        "%d grades of cohort %s imported from %s by user %s",
        len(plan.changes),
        cohort.id,
        file_name or "a file",
        actor.id if actor else None,
    )
    return len(plan.changes)
