"""Against a real SMTP server (aiosmtpd on a free local port): each recipient reads their own language;
a server that refuses connections costs attempts, never messages, until the notification fails."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.db import in_locale
from academy.i18n import format_day
from academy.notifications.delivery import MAX_ATTEMPTS, RETRY_AFTER, deliver_pending
from academy.notifications.models import EmailStatus, Notification
from tests.conftest import Factory
from tests.notifications.conftest import Recorder, enrolled

GREETINGS = {"uz": "Assalomu alaykum, Aziza", "ru": "Здравствуйте, Aziza", "en": "Hello Aziza,"}


def test_each_recipient_gets_the_mail_in_their_own_language(
    smtp_app: Flask, smtp_server: Recorder, db: Session, make: Factory
) -> None:
    cohort = make.cohort(venue="Academy centre, room 4")
    students = {
        locale: enrolled(db, make, cohort, locale=locale, first_name="Aziza")[0]
        for locale in ("uz", "ru", "en")
    }
    # Sent during a Russian reader's request: the recipient's language wins, not the reader's.
    with smtp_app.test_request_context(headers={"Accept-Language": "ru"}):
        report = deliver_pending(db)
        expected = {}
        for locale in students:
            with force_locale(locale):
                title = in_locale(cohort.course, "title", locale)
                expected[locale] = (
                    gettext("You are enrolled: %(course)s", course=title),
                    gettext("Hello %(name)s,", name="Aziza"),
                    format_day(cohort.starts_on, "long"),
                    title,
                )
    assert report.sent == 3
    received = {r.recipients[0]: r for r in smtp_server.received}
    assert sorted(received) == sorted(s.email for s in students.values())
    for locale, student in students.items():
        mail = received[student.email]
        subject, hello, starts, title = expected[locale]
        assert mail.message["To"] == student.email
        assert mail.message["From"] == smtp_app.config["MAIL_DEFAULT_SENDER"]
        assert mail.subject == subject and title in subject
        assert hello.startswith(GREETINGS[locale]) and hello in mail.body
        assert starts in mail.body and title in mail.body and cohort.code in mail.body
    assert db.scalars(select(Notification.email_status)).all() == [EmailStatus.SENT] * 3


def test_a_refused_recipient_is_retried_and_the_others_go_out(
    smtp_app: Flask, smtp_server: Recorder, db: Session, make: Factory
) -> None:
    bounced, _ = enrolled(db, make, email="bounce@example.uz")
    fine, _ = enrolled(db, make)
    with smtp_app.app_context():
        report = deliver_pending(db)
    assert (report.sent, report.retrying, report.stopped) == (1, 1, "")
    assert [r.recipients for r in smtp_server.received] == [[fine.email]]
    failed = db.scalars(select(Notification).where(Notification.user_id == bounced.id)).one()
    assert failed.email_status is EmailStatus.PENDING and failed.email_attempts == 1
    assert "SMTPRecipientsRefused" in failed.last_error


def test_a_refusing_server_counts_attempts_then_gives_up(
    refusing_app: Flask, db: Session, make: Factory
) -> None:
    enrolled(db, make)
    notification = db.scalars(select(Notification)).one()
    created = notification.created_at
    with refusing_app.app_context():
        for attempt in range(1, MAX_ATTEMPTS + 1):
            due = created + RETRY_AFTER[attempt - 1] + timedelta(seconds=1)
            report = deliver_pending(db, now=due)
            assert report.handled == 1 and report.stopped
            assert notification.email_attempts == attempt
            assert "ConnectionRefusedError" in notification.last_error
            if attempt < MAX_ATTEMPTS:
                assert notification.email_status is EmailStatus.PENDING
                # Not retried before its time comes.
                assert deliver_pending(db, now=due + timedelta(seconds=1)).handled == 0
        assert notification.email_status is EmailStatus.FAILED and notification.emailed_at is None
        assert deliver_pending(db, now=created + timedelta(days=2)).handled == 0


def test_an_unreachable_server_stops_the_run_after_one_try(
    refusing_app: Flask, db: Session, make: Factory
) -> None:
    for _ in range(3):
        enrolled(db, make)
    with refusing_app.app_context():
        report = deliver_pending(db)
    assert (report.retrying, report.handled) == (1, 1) and "ConnectionRefusedError" in report.stopped
    attempts = db.scalars(select(Notification.email_attempts).order_by(Notification.id)).all()
    assert attempts == [1, 0, 0]  # the others did not wait for the same timeout
