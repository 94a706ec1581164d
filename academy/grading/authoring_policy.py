"""A course's grading policy, edited by administrators: pass mark, late work, attendance, missing work.

The result of every student follows a change at once: results are computed from the policy as it
stands (``academy.grading.results``), never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from academy.courses.models import Course
from academy.grading.authoring import InvalidAssessment
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)
MAX_GRACE_HOURS = 720


@dataclass(frozen=True)
class PolicyData:
    pass_mark: int
    late_grace_hours: int
    late_penalty_per_day: float
    late_floor: int
    min_attendance: int
    missing_counts_as: int


def update_policy(session: Session, course: Course, data: PolicyData, version: int | None) -> Course:
    """Save the course's grading policy as seen at ``version``; results follow at once (they are
    computed, never stored)."""
    check_version(course, version)
    percent = _l("A percentage, from 0 to 100.")
    for name in ("pass_mark", "late_floor", "min_attendance", "missing_counts_as"):
        if not 0 <= getattr(data, name) <= 100:
            raise InvalidAssessment(name, percent)
    if not 0 <= data.late_penalty_per_day <= 100:
        raise InvalidAssessment("late_penalty_per_day", percent)
    if round(data.late_penalty_per_day, 2) != data.late_penalty_per_day:
        raise InvalidAssessment("late_penalty_per_day", _l("At most two decimals."))
    if not 0 <= data.late_grace_hours <= MAX_GRACE_HOURS:
        raise InvalidAssessment("late_grace_hours", _l("From 0 to %(most)s hours.", most=MAX_GRACE_HOURS))
    for name in PolicyData.__dataclass_fields__:
        setattr(course, name, getattr(data, name))
    flag_modified(course, "pass_mark")
    flush_or_conflict(session)
    log.info("grading policy of course %s saved (version %s)", course.code, course.version)
    return course
