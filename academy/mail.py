"""Sending e-mail: SMTP when ``MAIL_SERVER`` is set, else the log; ``memory`` keeps it for tests.

:class:`Postman` hands messages to the backend and raises :class:`MailNotSent` when it cannot, so
that the notification sender can count the attempt and retry later; it keeps one SMTP connection
open for several messages. :func:`send_mail` is the fire-and-forget form that only logs failures.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailNotSent(Exception):
    """The mail server did not accept the message; trying again later may work."""


class MailServerUnreachable(MailNotSent):
    """No conversation with the mail server at all: the next messages would fail the same way."""


def outbox(app: Flask | None = None) -> list[Mail]:
    """Messages kept by the ``memory`` backend (tests)."""
    box: list[Mail] = (app or current_app).extensions.setdefault("academy_outbox", [])
    return box


def mail_enabled() -> bool:
    """Whether messages really leave (SMTP configured, or the tests' memory backend)."""
    config = current_app.config
    return config["MAIL_BACKEND"] == "memory" or bool(config["MAIL_SERVER"])


class Postman:
    """Delivers messages through the configured backend; use it as a context manager.

    Without ``MAIL_SERVER`` a message goes to the log: its text only in development (where a
    set-password link must reach the developer somehow), a one-line notice elsewhere.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Postman:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):  # it went away first: nothing lost
                self._smtp.quit()
            self._smtp = None

    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one plain-text message over, or raise :class:`MailNotSent`."""
        if self.config["MAIL_BACKEND"] == "memory":
            outbox().append(Mail(to, subject, body))
            return
        if not self.config["MAIL_SERVER"]:
            if self.config["ENV_NAME"] == "development":
                log.info("mail to %s (no MAIL_SERVER set): %s\n%s", to, subject, body)
            else:
                log.info("mail to %s not sent: no MAIL_SERVER set", to)
            return
        message = EmailMessage()
        message["From"] = self.config["MAIL_DEFAULT_SENDER"]
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            self._smtp = None  # reconnect for the next message
            raise MailServerUnreachable(f"the mail server hung up: {error}") from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailNotSent(_describe(error)) from error

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        config = self.config
        try:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
        except (OSError, smtplib.SMTPException) as error:
            raise MailServerUnreachable(_describe(error)) from error
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            raise MailServerUnreachable(_describe(error)) from error
        self._smtp = smtp
        return smtp


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def send_mail(to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message. Failures are logged, never shown to the user as a 500."""
    with Postman() as postman:
        try:
            postman.send(to, subject, body)
        except MailNotSent:
            log.exception("could not send mail to %s", to)
