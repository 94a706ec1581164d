"""Sending e-mail: SMTP when ``MAIL_SERVER`` is set, else the log; ``memory`` keeps it for tests."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def outbox(app: Flask | None = None) -> list[Mail]:
    """Messages kept by the ``memory`` backend (tests)."""
    box: list[Mail] = (app or current_app).extensions.setdefault("academy_outbox", [])
    return box


def send_mail(to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message. Failures are logged, never shown to the user as a 500."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "memory":
        outbox().append(Mail(to, subject, body))
        return
    if not config["MAIL_SERVER"]:
        log.info("mail to %s (no MAIL_SERVER set): %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)
