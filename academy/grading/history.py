"""The history of grades: every change of a cell (who, when, old -> new, source, reason), for reading.

``save_grade`` writes the rows; here they are only read, newest first, with the person who made each
change loaded in the same query.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from academy.grading.models import GradeChange


def cell_history(session: Session, assessment_id: int, enrolment_id: int) -> list[GradeChange]:
    """Every change of one student's grade in one assessment, newest first, in one query."""
    return list(
        session.scalars(
            select(GradeChange)
            .options(joinedload(GradeChange.actor))
            .where(GradeChange.assessment_id == assessment_id, GradeChange.enrolment_id == enrolment_id)
            .order_by(GradeChange.at.desc(), GradeChange.id.desc())
        )
    )
