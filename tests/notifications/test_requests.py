"""A request e-mails the notifications it committed before it answers, a bounded number of them, and
never fails because of the mail."""

from __future__ import annotations

import re

import pytest
from flask import Flask, Response, g
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import PasswordResetToken
from academy.mail import Mail
from academy.notifications import delivery
from academy.notifications.delivery import COMMITTED_IN_SESSION, INLINE_LIMIT, deliver_after_request
from academy.notifications.models import EmailStatus, Notification, NotificationKind
from academy.notifications.services import notify
from tests.conftest import Browser, Factory


def queued(db: Session) -> Notification:
    db.expire_all()
    return db.scalars(select(Notification)).one()


def test_the_request_sends_what_it_committed_before_answering(
    browser: Browser, db: Session, mailbox: list[Mail]
) -> None:
    user = browser.make.user()
    assert browser.post("/forgot-password", {"email": user.email}).status_code == 302
    assert [m.to for m in mailbox] == [user.email]
    notification = queued(db)
    assert notification.kind is NotificationKind.PASSWORD_RESET
    assert notification.email_status is EmailStatus.SENT and notification.emailed_at is not None


def test_links_use_the_public_address_not_the_host_header(
    app: Flask, browser: Browser, mailbox: list[Mail], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    user = browser.make.user()
    response = browser.client.post(
        "/forgot-password", data={"email": user.email}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 302
    [mail] = mailbox
    assert "evil.example" not in mail.body
    assert re.search(re.escape(app.config["BASE_URL"]) + r"/reset-password/\S+", mail.body)


def test_a_refusing_mail_server_does_not_break_the_request(
    refusing_app: Flask, browser: Browser, db: Session
) -> None:
    user = browser.make.user()
    response = browser.post("/forgot-password", {"email": user.email}, follow_redirects=True)
    assert response.status_code == 200 and "If an account uses that e-mail" in response.get_data(as_text=True)
    notification = queued(db)
    assert notification.email_status is EmailStatus.PENDING and notification.email_attempts == 1
    # The link's secret is kept only with an e-mail that left.
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


def test_a_broken_sender_does_not_break_the_request(
    browser: Browser, db: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the sender is broken")

    monkeypatch.setattr(delivery, "deliver_pending", explode)
    user = browser.make.user()
    assert browser.post("/forgot-password", {"email": user.email}).status_code == 302
    assert queued(db).email_status is EmailStatus.PENDING  # left for send-notifications
    assert "left to the sender" in caplog.text


def test_a_request_sends_at_most_the_inline_limit(
    app: Flask, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    users = [make.user() for _ in range(INLINE_LIMIT + 5)]
    cohort = make.cohort()
    for user in users:
        notify(db, user.id, NotificationKind.ENROLLED, cohort.id)
    db.commit()
    with app.test_request_context():
        g.db_session = db
        deliver_after_request(Response())
        assert COMMITTED_IN_SESSION not in db.info
    assert len(mailbox) == INLINE_LIMIT
    statuses = db.scalars(select(Notification.email_status).order_by(Notification.id)).all()
    assert statuses == [EmailStatus.SENT] * INLINE_LIMIT + [EmailStatus.PENDING] * 5


def test_only_committed_notifications_are_remembered(db: Session, make: Factory) -> None:
    user = make.user()
    db.commit()
    notify(db, user.id, NotificationKind.ENROLLED)
    db.flush()
    db.rollback()
    kept = notify(db, user.id, NotificationKind.WAITLISTED)
    db.commit()
    assert db.info[COMMITTED_IN_SESSION] == [kept.id]


def test_a_page_without_new_notifications_sends_nothing(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login()
    notify(db, student.id, NotificationKind.ENROLLED, make.cohort().id)
    db.commit()  # written by the test's own session, not by a request
    assert browser.get("/dashboard").status_code == 200
    assert queued(db).email_status is EmailStatus.PENDING
