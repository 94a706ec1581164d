"""``flask --app wsgi send-notifications``: the sender for cron or a process supervisor."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.mail import Mail
from academy.notifications.cli import run_sender
from academy.notifications.models import EmailStatus, Notification
from tests.conftest import Factory
from tests.notifications.conftest import enrolled


def test_send_notifications_sends_everything_pending(
    app: Flask, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    with app.test_request_context():
        students = [enrolled(db, make)[0] for _ in range(5)]
    result = app.test_cli_runner().invoke(args=["send-notifications", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(m.to for m in mailbox) == sorted(s.email for s in students)  # in passes of two
    assert "done: e-mailed 5, in-app only 0, to retry 0, failed 0" in result.output
    assert db.scalars(select(Notification.email_status)).all() == [EmailStatus.SENT] * 5
    again = app.test_cli_runner().invoke(args=["send-notifications"])
    assert "done: e-mailed 0" in again.output and len(mailbox) == 5


def test_send_notifications_tells_how_to_deploy_it(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["send-notifications", "--help"])
    assert result.exit_code == 0
    for words in ("cron", "--watch", "--interval", "MAIL_SERVER", "supervisor"):
        assert words in result.output, words


def test_send_notifications_reports_an_unreachable_server(
    refusing_app: Flask, db: Session, make: Factory
) -> None:
    with refusing_app.test_request_context():
        enrolled(db, make)
    result = refusing_app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "stopped: the mail server cannot be reached" in result.output
    assert "to retry 1" in result.output


def test_watch_keeps_sending_until_interrupted(
    app: Flask, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            enrolled(db, make)  # news arrives while the sender waits
            db.flush()
        else:
            raise KeyboardInterrupt  # the supervisor stops it

    lines: list[str] = []
    with app.test_request_context():
        enrolled(db, make)
        total = run_sender(limit=10, watch=True, interval=7, sleep=nap, echo=lines.append)
    assert naps == [7, 7] and total.sent == 2 and len(mailbox) == 2
    assert lines == ["e-mailed 1, in-app only 0, to retry 0, failed 0"] * 2


def test_watch_survives_a_failing_pass(
    app: Flask, db: Session, make: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from academy.notifications import cli

    passes: list[int] = []

    def flaky(session: Session, limit: int) -> object:
        passes.append(limit)
        if len(passes) == 1:
            raise RuntimeError("database went away")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "deliver_pending", flaky)
    with app.test_request_context(), pytest.raises(KeyboardInterrupt):
        run_sender(limit=3, watch=True, interval=1, sleep=lambda _s: None, echo=lambda _l: None)
    assert passes == [3, 3] and "trying again" in caplog.text
