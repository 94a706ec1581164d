"""``flask --app wsgi send-notifications`` and ``notify-starting-tomorrow``: the outbox from cron."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from academy.db import get_session
from academy.notifications.delivery import DeliveryReport, deliver_pending
from academy.notifications.services import academy_today, notify_cohorts_starting

log = logging.getLogger(__name__)


def run_sender(
    limit: int,
    watch: bool,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[[str], None] = click.echo,
) -> DeliveryReport:
    """Send in passes of at most ``limit``: until the outbox is empty, or forever with ``watch``."""
    session = get_session()
    total = DeliveryReport()
    while True:
        try:
            report = deliver_pending(session, limit=limit)
        except Exception:
            if not watch:
                raise
            log.exception("sending notifications failed; trying again in %s s", interval)
            session.rollback()
            report = DeliveryReport()
        session.expunge_all()  # a long-running sender must not keep every message it sent
        total.add(report)
        if report.handled:
            echo(_summary(report))
        if report.stopped:
            echo(f"stopped: the mail server cannot be reached ({report.stopped})")
        if report.handled >= limit and not report.stopped:
            continue  # a full pass: more may be waiting
        if not watch:
            return total
        try:
            sleep(interval)
        except KeyboardInterrupt:
            return total


def _summary(report: DeliveryReport) -> str:
    return (
        f"e-mailed {report.sent}, in-app only {report.in_app_only}, "
        f"to retry {report.retrying}, failed {report.failed}"
    )


@click.command("send-notifications")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: send, wait --interval seconds, send again (under a process supervisor).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between passes with --watch.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=500, show_default=True, help="Most messages per pass."
)
@with_appcontext
def send_notifications_command(watch: bool, interval: float, limit: int) -> None:
    """E-mail the pending notifications of the outbox, each in its recipient's language.

    A request e-mails the notifications it creates at once (up to 20); this sends the rest:
    bulk imports, "starts tomorrow" reminders, and retries. A message that fails is tried again
    1 min, 10 min, 1 h and 6 h after it was written, then marked failed. Without MAIL_SERVER
    nothing is e-mailed: notifications stay in the app, invitations and resets go to the log.

    Run it from cron, e.g. every minute:

        * * * * *  flask --app wsgi send-notifications

    or keep one running with --watch under systemd or supervisord. Several senders may run at
    once (on PostgreSQL they skip each other's messages): every message is sent once.
    """
    total = run_sender(limit, watch, interval)
    click.echo(f"done: {_summary(total)}")


@click.command("notify-starting-tomorrow")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (YYYY-MM-DD); default: today in Tashkent.",
)
@with_appcontext
def notify_starting_tomorrow_command(today: datetime | None) -> None:
    """Tell the enrolled students of every cohort that starts tomorrow (Tashkent time).

    Meant for a daily cron; running it again the same day tells nobody twice. The messages are
    e-mailed by send-notifications, e.g.:

        0 9 * * *  flask --app wsgi notify-starting-tomorrow && flask --app wsgi send-notifications
    """
    day: date = today.date() if today is not None else academy_today()
    session = get_session()
    written = notify_cohorts_starting(session, day)
    session.commit()
    click.echo(f"{written} students told that their cohort starts on {day + timedelta(days=1):%Y-%m-%d}.")


def register(app: Flask) -> None:
    app.cli.add_command(send_notifications_command)
    app.cli.add_command(notify_starting_tomorrow_command)
