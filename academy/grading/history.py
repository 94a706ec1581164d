"""Reading the history of grades: every change of one cell, and a cohort's changes newest first.

The rows are written by :func:`academy.grading.services.save_grade` only. The gradebook's history
page and the per-student grading view read them through here; both are for the cohort's instructors
and administrators (the views check that), never for students.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from academy.cohorts.models import Enrolment
from academy.grading.models import GradeChange


def _with_names(stmt: Select[GradeChange]) -> Select[GradeChange]:
    """Changes with who made them, the assessment and the student, newest first (no query per row)."""
    return stmt.options(
        joinedload(GradeChange.actor),
        joinedload(GradeChange.assessment),
        joinedload(GradeChange.enrolment).joinedload(Enrolment.student),
    ).order_by(GradeChange.at.desc(), GradeChange.id.desc())


def cell_history(session: Session, assessment_id: int, enrolment_id: int) -> Sequence[GradeChange]:
    """Every change of one student's grade in one assessment, newest first (one query)."""
    return (
        session.scalars(
            _with_names(
                select(GradeChange).where(
                    GradeChange.assessment_id == assessment_id, GradeChange.enrolment_id == enrolment_id
                )
            )
        )
        .unique()
        .all()
    )


def cohort_history(
    cohort_id: int, enrolment_id: int | None = None, assessment_id: int | None = None
) -> Select[GradeChange]:
    """The grade changes of a cohort's students, newest first, optionally of one student or
    assessment: a statement to page through with :func:`academy.pagination.paginate`."""
    stmt = (
        select(GradeChange)
        .join(Enrolment, Enrolment.id == GradeChange.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id)
    )
    if enrolment_id is not None:
        stmt = stmt.where(GradeChange.enrolment_id == enrolment_id)
    if assessment_id is not None:
        stmt = stmt.where(GradeChange.assessment_id == assessment_id)
    return _with_names(stmt)
