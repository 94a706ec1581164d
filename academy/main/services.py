"""Figures the home page and the dashboards show, each from a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from academy.cohorts.services import waitlist_positions
from academy.courses.models import Course


def students_per_region(session: Session) -> dict[str, int]:
    """Number of active students in each region code (regions without students are absent)."""
    rows = session.execute(
        select(User.region_code, func.count())
        .where(User.role == Role.STUDENT, User.active.is_(True), User.region_code.is_not(None))
        .group_by(User.region_code)
    ).all()
    return {code: count for code, count in rows if code is not None}


@dataclass
class MyCohort:
    """One of a student's places, with what the dashboard says about it."""

    enrolment: Enrolment
    next_session: CohortSession | None
    waitlist_position: int | None

    @property
    def cohort(self) -> Cohort:
        return self.enrolment.cohort


def my_cohorts(session: Session, student: User, now: datetime) -> list[MyCohort]:
    """The student's places (all but withdrawn), current and upcoming first, each with its next
    session and waitlist position. Three queries however many cohorts."""
    enrolments = session.scalars(
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(Enrolment.student_id == student.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .options(
            joinedload(Enrolment.cohort)
            .joinedload(Cohort.course)
            .load_only(Course.code, Course.title_uz, Course.title_ru, Course.title_en, Course.hours),
            joinedload(Enrolment.cohort).joinedload(Cohort.region),
        )
        .order_by(Cohort.ends_on < now.date(), Cohort.starts_on)
    ).all()
    cohort_ids = [e.cohort_id for e in enrolments]
    upcoming: dict[int, CohortSession] = {}
    if cohort_ids:
        first = (
            select(CohortSession.cohort_id, func.min(CohortSession.starts_at).label("starts_at"))
            .where(CohortSession.cohort_id.in_(cohort_ids), CohortSession.ends_at > now)
            .group_by(CohortSession.cohort_id)
            .subquery()
        )
        for meeting in session.scalars(
            select(CohortSession).join(
                first,
                (CohortSession.cohort_id == first.c.cohort_id)
                & (CohortSession.starts_at == first.c.starts_at),
            )
        ):
            upcoming.setdefault(meeting.cohort_id, meeting)
    positions = waitlist_positions(
        session, [e.id for e in enrolments if e.status is EnrolmentStatus.WAITLISTED]
    )
    return [MyCohort(e, upcoming.get(e.cohort_id), positions.get(e.id)) for e in enrolments]
