"""The demo network comes with notifications already settled: ``make run`` e-mails nobody."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.cohorts.models import Enrolment
from academy.notifications.models import EmailStatus, Notification
from tests.conftest import load_demo_in


def test_demo_students_have_read_and_unread_news_and_nothing_to_send(app: Flask, db: Session) -> None:
    summary = load_demo_in(app, db, students=30)
    assert summary.counts["notifications"] > 0
    statuses = set(db.scalars(select(Notification.email_status)))
    assert statuses == {EmailStatus.SENT}
    read = db.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_not(None)))
    unread = db.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None)))
    assert read and unread
    # Every notification is about one of the student's own enrolments.
    stray = db.scalar(
        select(func.count())
        .select_from(Notification)
        .outerjoin(
            Enrolment,
            (Enrolment.cohort_id == Notification.cohort_id) & (Enrolment.student_id == Notification.user_id),
        )
        .where(Enrolment.id.is_(None))
    )
    assert stray == 0
