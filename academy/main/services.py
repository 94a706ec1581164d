"""Figures the home page and the dashboards show, each from a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from academy.auth.models import Role, User
from academy.cohorts.attendance import Rate, attendance_rate_for_student
from academy.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from academy.cohorts.services import waitlist_positions
from academy.cohorts.timetable import next_sessions
from academy.courses.models import Course
from academy.courses.progress import Progress, progress_by_course


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
    progress: Progress
    attendance: Rate

    @property
    def cohort(self) -> Cohort:
        return self.enrolment.cohort


def my_cohorts(session: Session, student: User, now: datetime) -> list[MyCohort]:
    """The student's places (all but withdrawn), current and upcoming first, each with its next
    session, waitlist position, progress through the lessons and attendance rate. Five queries
    however many cohorts."""
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
    upcoming = next_sessions(session, (e.cohort_id for e in enrolments), now)
    positions = waitlist_positions(
        session, [e.id for e in enrolments if e.status is EnrolmentStatus.WAITLISTED]
    )
    progress = progress_by_course(session, student.id, {e.cohort.course_id for e in enrolments})
    attendance = attendance_rate_for_student(session, student.id, [e.cohort_id for e in enrolments])
    return [
        MyCohort(
            e,
            upcoming.get(e.cohort_id),
            positions.get(e.id),
            progress.get(e.cohort.course_id, Progress()),
            attendance.get(e.cohort_id, Rate()),
        )
        for e in enrolments
    ]
