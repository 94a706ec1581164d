"""Demo certificates: the graduates of the past cohorts get theirs, signed, and one is revoked.

They are issued through the same service as in production (``issue_cohort_certificates``), a few
days after each cohort ended, most recent cohorts first, up to ``LIMIT`` certificates so that a large
demo stays quick to load (signing takes milliseconds each). The demo student's past cohorts always
come first, so that "My certificates" has something to show.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from academy.auth.models import Role, User
from academy.certificates.models import Certificate, CertificateStatus
from academy.certificates.services import issue_cohort_certificates, revoke_certificate
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.timetable import local_to_utc
from academy.demo.grading import DEMO_STUDENT

LIMIT = 400
ISSUED_AFTER = timedelta(days=3)  # the academy issues certificates a few days after a cohort ends
REVOKED_REASON = "Exam misconduct found after the certificate was issued (case 2026/14)."


def load_certificates(session: Session, now: datetime) -> dict[str, int]:
    admin = session.scalars(select(User).where(User.role == Role.ADMIN).order_by(User.id)).first()
    demo_student = session.scalar(select(User.id).where(User.email == DEMO_STUDENT))
    completed = (
        select(Enrolment.cohort_id, func.count().label("graduates"))
        .where(Enrolment.status == EnrolmentStatus.COMPLETED)
        .group_by(Enrolment.cohort_id)
        .subquery()
    )
    showcase = select(Enrolment.cohort_id).where(Enrolment.student_id == demo_student)
    found = session.execute(
        select(Cohort, completed.c.graduates)
        .join(completed, completed.c.cohort_id == Cohort.id)
        .where(Cohort.ends_on < now.date())
        .options(selectinload(Cohort.course))
        .order_by(Cohort.id.in_(showcase).desc(), Cohort.ends_on.desc(), Cohort.id)
    ).all()
    issued = 0
    for cohort, graduates in found:
        if issued + graduates > LIMIT:
            continue  # a smaller cohort further down may still fit
        moment = min(now, local_to_utc(cohort.ends_on + ISSUED_AFTER, time(10)))
        issued += issue_cohort_certificates(session, cohort, admin, moment).issued
    revoked = 0
    victim = session.scalars(
        select(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.student_id != demo_student, Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.id)
    ).first()
    if victim is not None and admin is not None:
        revoke_certificate(session, victim, admin, REVOKED_REASON, victim.version, now)
        revoked = 1
    return {"certificates": issued, "revoked certificates": revoked}
