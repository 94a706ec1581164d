"""Demo notifications: what the demo students would have been told about their enrolments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from academy.cohorts.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from academy.notifications.models import EmailStatus, Notification, NotificationKind

KIND_OF = {
    EnrolmentStatus.WAITLISTED: NotificationKind.WAITLISTED,
    EnrolmentStatus.ENROLLED: NotificationKind.ENROLLED,
}


def load_demo_notifications(session: Session, now: datetime) -> int:
    """One in-app notification per enrolment change to waitlisted or enrolled, already settled (never
    e-mailed: demo addresses are not real); those older than three days are read."""
    events = session.execute(
        select(Enrolment.student_id, Enrolment.cohort_id, EnrolmentEvent.to_status, EnrolmentEvent.at)
        .join(EnrolmentEvent, EnrolmentEvent.enrolment_id == Enrolment.id)
        .where(EnrolmentEvent.to_status.in_(list(KIND_OF)))
        .order_by(EnrolmentEvent.id)
    ).all()
    rows = [
        {
            "user_id": student_id,
            "cohort_id": cohort_id,
            "kind": KIND_OF[status],
            "created_at": at,
            "read_at": at + timedelta(days=1) if at < now - timedelta(days=3) else None,
            "email_status": EmailStatus.SENT,
        }
        for student_id, cohort_id, status, at in events
    ]
    for start in range(0, len(rows), 2000):
        session.execute(insert(cast(Table, Notification.__table__)), rows[start : start + 2000])
    session.flush()
    return len(rows)
