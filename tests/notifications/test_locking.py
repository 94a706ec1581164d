"""Two senders at the same moment, each on its own connection, send every notification exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import select

from academy import create_app
from academy.db import database, get_session
from academy.mail import Postman
from academy.notifications.delivery import DeliveryReport, deliver_pending
from academy.notifications.models import EmailStatus, Notification, NotificationKind
from academy.notifications.services import notify
from academy.schema import upgrade
from tests.conftest import Factory

MESSAGES = 12


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
def test_two_senders_never_send_one_notification_twice(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(empty_database)
    app: Flask = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database})
    try:
        with app.app_context():
            session = get_session()
            make = Factory(session)
            cohort = make.cohort()
            for _ in range(MESSAGES):
                notify(session, make.user().id, NotificationKind.ENROLLED, cohort.id)
            session.commit()

        # Each sender's first message waits until the other sender is sending too: both hold a
        # claimed row at the same moment. Without SKIP LOCKED the second would block on the first's
        # row instead, the barrier would break, and the message would count as failed.
        both_sending = threading.Barrier(2, timeout=20)
        first_message = threading.local()
        sent: list[str] = []
        guard = threading.Lock()

        def send(self: Postman, to: str, subject: str, body: str) -> None:
            if not getattr(first_message, "passed", False):
                first_message.passed = True
                both_sending.wait()
            with guard:
                sent.append(to)

        monkeypatch.setattr(Postman, "send", send)
        reports: list[DeliveryReport] = []
        errors: list[BaseException] = []

        def sender() -> None:
            try:
                with app.app_context():
                    reports.append(deliver_pending(get_session(), limit=100))
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert errors == []
        assert [r.failed + r.retrying for r in reports] == [0, 0]
        assert all(r.sent > 0 for r in reports)  # both really worked
        assert sum(r.sent for r in reports) == MESSAGES
        assert Counter(sent).most_common(1)[0][1] == 1 and len(sent) == MESSAGES
        with app.app_context():
            statuses = get_session().scalars(select(Notification.email_status)).all()
        assert statuses == [EmailStatus.SENT] * MESSAGES
    finally:
        database(app).engine.dispose()
