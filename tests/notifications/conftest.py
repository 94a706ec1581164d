"""Fixtures for the outbox: a real SMTP server on a free local port, and students with news."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts import services as cohort_services
from academy.cohorts.models import Cohort
from academy.notifications.models import Notification, NotificationKind
from academy.notifications.services import notify
from tests.conftest import Factory


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        content: str = self.message.get_content()
        return content


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every message it accepts; it refuses ``bounce@`` addresses."""

    received: list[Received] = field(default_factory=list)
    port: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[Recorder]:
    """A real SMTP server on 127.0.0.1 and a free port, for the length of one test."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    recorder.port = controller.port
    try:
        yield recorder
    finally:
        controller.stop()


def use_smtp(monkeypatch: pytest.MonkeyPatch, app: Flask, port: int) -> None:
    """Point the app's mail settings at a local SMTP port (restored after the test)."""
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
    }.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def smtp_app(app: Flask, smtp_server: Recorder, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app sending through :func:`smtp_server`."""
    use_smtp(monkeypatch, app, smtp_server.port)
    return app


@pytest.fixture
def refusing_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app pointed at a port where nothing listens: every connection is refused."""
    use_smtp(monkeypatch, app, free_port())
    return app


@pytest.fixture
def no_mail_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app as deployed without MAIL_SERVER: notifications stay in the app."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    return app


def enrolled(db: Session, make: Factory, cohort: Cohort | None = None, **fields: Any) -> tuple[User, Cohort]:
    """A student enrolled through the enrolment service (which writes the ENROLLED notification)."""
    cohort = cohort or make.cohort(venue="Academy centre, room 4")
    student = make.user(**fields)
    cohort_services.enrol(db, cohort, student)
    db.flush()
    return student, cohort


def news(db: Session, user: User, kind: NotificationKind, cohort: Cohort | None = None) -> Notification:
    notification = notify(db, user.id, kind, cohort.id if cohort else None)
    db.flush()
    return notification
