"""Reading the history of grades: every change of one cell, and a cohort's changes newest first.

The rows are written by :func:`academy.grading.services.save_grade` only. The gradebook's history
page and the per-student grading view read them through here; both are for the cohort's instructors
and administrators (the views check that), never for students. A change of rubric levels names them
by id; :func:`level_changes` gives their titles for a page of changes in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from academy.cohorts.models import Enrolment
from academy.grading.models import GradeChange, RubricCriterion, RubricLevel


@dataclass(frozen=True)
class LevelChange:
    """One criterion whose level a change moved: its title, and the level titles before and after
    (None: no level)."""

    criterion: str
    old: str | None
    new: str | None


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


def level_changes(session: Session, changes: Iterable[GradeChange]) -> dict[int, list[LevelChange]]:
    """By change id, the criteria whose levels each change moved, in the order of the rubric.

    One query for the whole page, none when no change touched the levels. A level no longer found
    (its criterion was deleted) is left out.
    """
    changes = [c for c in changes if c.levels_changed]
    ids = set().union(*(c.level_ids() for c in changes))
    if not ids:
        return {}
    found = {
        level_id: (position, criterion_id, criterion, level)
        for level_id, position, criterion_id, criterion, level in session.execute(
            select(
                RubricLevel.id,
                RubricCriterion.position,
                RubricCriterion.id,
                RubricCriterion.title,
                RubricLevel.title,
            )
            .join(RubricCriterion, RubricCriterion.id == RubricLevel.criterion_id)
            .where(RubricLevel.id.in_(sorted(ids)))
        )
    }
    described: dict[int, list[LevelChange]] = {}
    for change in changes:
        old, new = change.old_levels or {}, change.new_levels or {}
        moved = []
        for key in set(old) | set(new):
            if old.get(key) == new.get(key):
                continue
            before, after = found.get(old.get(key, 0)), found.get(new.get(key, 0))
            named = before or after
            if named is None:
                continue
            moved.append(
                (named[:2], LevelChange(named[2], before[3] if before else None, after[3] if after else None))
            )
        described[change.id] = [level for _order, level in sorted(moved, key=lambda m: m[0])]
    return described
