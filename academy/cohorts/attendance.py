"""Attendance: a cohort's roster, the register of each session saved as a whole, and attendance rates.

A register is saved with a conditional UPDATE of the session's ``attendance_version``: of two
people saving the same register from forms they loaded at the same version, one wins and the
other gets a 409 (:class:`RegisterChanged`); nothing is overwritten unseen.

The rate of a student is (present + late) / (sessions recorded for them - excused).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from academy.auth.models import User
from academy.cohorts.models import Attendance, AttendanceStatus, CohortSession, Enrolment, EnrolmentStatus
from academy.cohorts.timetable import to_local
from academy.db import utcnow
from academy.errors import Conflict, DomainError

log = logging.getLogger(__name__)
# Who is on a cohort's roster: students holding a seat, and those whose place has an outcome.
ROSTER_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)


class NotOnRoster(DomainError):
    message = _l("Only students on this cohort's roster can be marked.")


class RegisterNotOpen(DomainError):
    message = _l("Attendance can be taken from the day of the session.")
    status = 409


class RegisterChanged(Conflict):
    message = _l(
        "Someone else saved this register while you were editing it. Nothing of yours was saved: "
        "check the marks below and save again."
    )


@dataclass(frozen=True)
class Rate:
    """How often a student came: counts of each mark, and the rate they make."""

    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0

    @property
    def recorded(self) -> int:
        return self.present + self.late + self.absent + self.excused

    @property
    def value(self) -> float | None:
        """Between 0 and 1; None when no session counts (nothing recorded, or every one excused)."""
        counted = self.recorded - self.excused
        return (self.present + self.late) / counted if counted else None


def _rate(counts: Mapping[AttendanceStatus, int]) -> Rate:
    return Rate(**{status.value: counts.get(status, 0) for status in AttendanceStatus})


def roster(session: Session, cohort_id: int) -> Sequence[Enrolment]:
    """The cohort's students (with their accounts), by surname."""
    return session.scalars(
        select(Enrolment)
        .join(Enrolment.student)
        .options(joinedload(Enrolment.student))
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(ROSTER_STATUSES))
        .order_by(User.last_name, User.first_name, User.id)
    ).all()


def register(session: Session, session_id: int) -> dict[int, AttendanceStatus]:
    """The marks saved for one session, by student id."""
    rows = session.execute(
        select(Attendance.student_id, Attendance.status).where(Attendance.session_id == session_id)
    )
    return {student_id: status for student_id, status in rows}


def register_open(cohort_session: CohortSession, now: datetime) -> bool:
    """A register can be taken from the (local) day of its session on."""
    return to_local(cohort_session.starts_at).date() <= to_local(now).date()


def record_attendance(
    session: Session,
    cohort_session: CohortSession,
    marks: Mapping[int, AttendanceStatus],
    expected_version: int,
    actor: User,
    now: datetime | None = None,
) -> int:
    """Save a session's register at once; returns the register's new version.

    ``marks`` maps student ids to their mark; every id must be on the cohort's roster. Raises
    :class:`RegisterChanged` when the register was saved by someone else since ``expected_version``.
    """
    now = now or utcnow()
    if not register_open(cohort_session, now):
        raise RegisterNotOpen()
    on_roster = set(
        session.scalars(
            select(Enrolment.student_id).where(
                Enrolment.cohort_id == cohort_session.cohort_id, Enrolment.status.in_(ROSTER_STATUSES)
            )
        )
    )
    if not set(marks) <= on_roster:
        raise NotOnRoster()
    saved = session.execute(
        update(CohortSession)
        .where(CohortSession.id == cohort_session.id, CohortSession.attendance_version == expected_version)
        .values(attendance_version=expected_version + 1, attendance_taken_at=now)
        .execution_options(synchronize_session=False)
    )
    if saved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(cohort_session, ["attendance_version", "attendance_taken_at"])
        raise RegisterChanged()
    rows = {
        row.student_id: row
        for row in session.scalars(select(Attendance).where(Attendance.session_id == cohort_session.id))
    }
    for student_id, status in marks.items():
        row = rows.get(student_id)
        if row is None:
            session.add(
                Attendance(
                    session_id=cohort_session.id,
                    student_id=student_id,
                    status=status,
                    recorded_by_id=actor.id,
                    recorded_at=now,
                )
            )
        elif row.status is not status:
            row.status, row.recorded_by_id, row.recorded_at = status, actor.id, now
    session.flush()
    session.refresh(cohort_session, ["attendance_version", "attendance_taken_at"])
    log.info("attendance of session %s saved by user %s (%d marks)", cohort_session.id, actor.id, len(marks))
    return expected_version + 1


def attendance_rates(
    session: Session, cohort_id: int, student_ids: Collection[int] | None = None
) -> dict[int, Rate]:
    """Each student's rate over the sessions of one cohort (or of some of its students), in one query."""
    counts: dict[int, dict[AttendanceStatus, int]] = defaultdict(dict)
    stmt = (
        select(Attendance.student_id, Attendance.status, func.count())
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort_id)
        .group_by(Attendance.student_id, Attendance.status)
    )
    if student_ids is not None:
        stmt = stmt.where(Attendance.student_id.in_(student_ids))
    rows = session.execute(stmt)
    for student_id, status, n in rows:
        counts[student_id][status] = int(n)
    return {student_id: _rate(by_status) for student_id, by_status in counts.items()}


def attendance_rate_for_student(
    session: Session, student_id: int, cohort_ids: Iterable[int]
) -> dict[int, Rate]:
    """One student's rate in each of ``cohort_ids``, in one query; a cohort without marks is absent."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    counts: dict[int, dict[AttendanceStatus, int]] = defaultdict(dict)
    rows = session.execute(
        select(CohortSession.cohort_id, Attendance.status, func.count())
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(Attendance.student_id == student_id, CohortSession.cohort_id.in_(ids))
        .group_by(CohortSession.cohort_id, Attendance.status)
    )
    for cohort_id, status, n in rows:
        counts[cohort_id][status] = int(n)
    return {cohort_id: _rate(by_status) for cohort_id, by_status in counts.items()}


def marked_counts(session: Session, session_ids: Iterable[int]) -> dict[int, int]:
    """How many students have a mark in each of ``session_ids``, in one query."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Attendance.session_id, func.count())
        .where(Attendance.session_id.in_(ids))
        .group_by(Attendance.session_id)
    )
    return {session_id: int(n) for session_id, n in rows}
