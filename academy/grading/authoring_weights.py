"""The weights of a course's assessments: all of them edited at once, and a published course's kept at 100.

A course is published only when its assessments' weights total exactly 100
(``academy.courses.services``). Afterwards the total stays 100: a single assessment added, edited or
deleted may change the total only to make it exactly 100, so that weights are moved from one
assessment to another on the Weights page (:func:`set_weights`), where they are saved together.
As at publishing, a published course may also have no assessments at all, so its last one can be
deleted and its first one must weigh 100; an assessment worth 0 is added or deleted freely beside
others totalling 100. A draft course's weights may total anything while an administrator
rearranges them.

Everything that decides on the total holds the course's row first (:func:`hold_course`), as
publishing does: a publication and a change of the weights never both read the state before the other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.courses.models import Course, CourseStatus
from academy.courses.services import hold_course
from academy.errors import Conflict, DomainError
from academy.grading.models import Assessment
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)


class TotalMustStay(DomainError):
    """A single change that would move a published course's total away from 100."""

    field = "weight"
    status = 409

    def __init__(self, total: int, deleting: bool = False) -> None:
        if deleting:
            message = _l(
                "The course is published, so its weights must total 100; without this assessment they "
                "would total %(total)s. First give its weight to other assessments on the Weights page.",
                total=total,
            )
        else:
            message = _l(
                "The course is published, so its weights must total 100; this change would make them "
                "%(total)s. Change several weights at once on the Weights page.",
                total=total,
            )
        super().__init__(message)


class AssessmentsChanged(Conflict):
    """The form's rows are not the course's assessments (one added or deleted since, or foreign)."""

    message = _l(
        "The course's assessments have changed since this page was opened. "
        "Nothing was saved: here are the weights as they are now."
    )


class InvalidWeights(DomainError):
    """Weights outside 0..100 or not whole numbers; ``rows`` maps each such assessment id to why."""

    field = "rows"

    def __init__(self, rows: dict[int, object]) -> None:
        self.rows = rows
        super().__init__(_l("Please correct the weights marked below."))


class WeightsNotHundred(DomainError):
    field = "total"

    def __init__(self, total: float) -> None:
        super().__init__(
            _l(
                "The course is published, so its weights must total exactly 100. "
                "They total %(total)s: nothing was saved.",
                total=f"{total:g}",
            )
        )


@dataclass(frozen=True)
class WeightRow:
    """One assessment's line of the Weights form: the weight typed and the version it was drawn from."""

    assessment_id: int
    weight: float | None  # None: left blank
    version: int | None


def keep_total(session: Session, course_id: int, assessment: Assessment, weight: int | None) -> None:
    """Refuse giving ``assessment`` (new, or to be deleted when ``weight`` is None) this weight when its
    course is published and the total would then move away from 100."""
    exists = assessment.id is not None
    if exists and weight is not None and weight == assessment.weight:
        return
    course = session.get(Course, course_id)
    if course is None or hold_course(session, course) is not CourseStatus.PUBLISHED:
        return
    with session.no_autoflush:  # the assessment may already hold the new value
        count, others = session.execute(
            select(func.count(Assessment.id), func.coalesce(func.sum(Assessment.weight), 0)).where(
                Assessment.course_id == course_id, Assessment.id != (assessment.id or 0)
            )
        ).one()
    # As at publishing: a published course has no assessments, or assessments totalling 100.
    if weight is None and count == 0:
        return
    total = int(others or 0) + (weight or 0)
    if total != 100:
        raise TotalMustStay(total, deleting=weight is None)


def _weight(raw: float | None) -> tuple[int | None, object | None]:
    """The whole percentage ``raw`` is, or why it is none."""
    if raw is None:
        return None, _l("Enter a weight, from 0 to 100.")
    if not float(raw).is_integer():
        return None, _l("A weight is a whole percentage.")
    if not 0 <= raw <= 100:
        return None, _l("A weight is a percentage, from 0 to 100.")
    return int(raw), None


def check_rows(assessments: Sequence[Assessment], ids: Sequence[int]) -> None:
    """``AssessmentsChanged`` unless ``ids`` name each of the course's assessments exactly once."""
    if len(ids) != len(set(ids)) or set(ids) != {a.id for a in assessments}:
        raise AssessmentsChanged()


def set_weights(session: Session, course: Course, rows: Sequence[WeightRow]) -> list[Assessment]:
    """Save every assessment's weight at once, as the form drawn from their versions has them.

    A published course's weights must total exactly 100 (a draft's anything). Nothing is saved unless
    everything is right: the rows are the course's assessments (``AssessmentsChanged``, 409), each
    drawn from the assessment's current version (``Conflict``, 409), each weight a whole percentage
    (``InvalidWeights``), and the total (``WeightsNotHundred``)."""
    status = hold_course(session, course)
    assessments = list(
        session.scalars(
            select(Assessment)
            .where(Assessment.course_id == course.id)
            .order_by(Assessment.position, Assessment.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    check_rows(assessments, [row.assessment_id for row in rows])
    by_id = {a.id: a for a in assessments}
    for row in rows:
        check_version(by_id[row.assessment_id], row.version)
    weights: dict[int, int] = {}
    problems: dict[int, object] = {}
    for row in rows:
        weight, problem = _weight(row.weight)
        if weight is None:
            problems[row.assessment_id] = problem
        else:
            weights[row.assessment_id] = weight
    if problems:
        raise InvalidWeights(problems)
    total = sum(weights.values())
    if status is CourseStatus.PUBLISHED and assessments and total != 100:  # none at all: as at publishing
        raise WeightsNotHundred(total)
    for assessment in assessments:
        assessment.weight = weights[assessment.id]
    flush_or_conflict(session)
    log.info("weights of course %s saved, total %s", course.code, total)
    return assessments
