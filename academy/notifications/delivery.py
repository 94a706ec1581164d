"""Sending the outbox: each pending notification e-mailed once, in its recipient's language.

One notification at a time: it is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (on PostgreSQL;
SQLite's write lock serialises senders anyway), sent, and its outcome committed at once, so two
senders never send the same message and a crash re-sends at most the one in flight. An e-mail can
not be taken back, which is why this, unlike a service, commits.

Outcomes, in ``email_status``:
- ``sent`` with ``emailed_at``: the mail server accepted it.
- ``pending`` with ``email_attempts`` and ``last_error``: it failed and is retried later, after
  1 min, 10 min, 1 h and 6 h counted from its creation; the fifth failure makes it ``failed``.
- ``sent`` without ``emailed_at``: no ``MAIL_SERVER`` is configured, so the notification lives in
  the app only. It is settled rather than left pending, so that configuring SMTP later does not
  flood people with stale news. Invitations and resets, which exist only as e-mails, then go to
  the log (their text, with the link, in development only).
- ``failed`` at once when the account is deactivated.

Requests deliver what they created right after their commit (:func:`deliver_after_request`, at most
:data:`INLINE_LIMIT`); ``flask --app wsgi send-notifications`` sends the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, g
from sqlalchemy import and_, event, inspect, or_, select
from sqlalchemy.orm import Session, joinedload

from academy.cohorts.models import Cohort
from academy.db import utcnow
from academy.mail import MailNotSent, MailServerUnreachable, Postman, mail_enabled
from academy.notifications.emails import compose
from academy.notifications.models import EmailStatus, Notification
from academy.notifications.services import EMAIL_ONLY, NEW_IN_SESSION

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# How long after its creation a notification that failed ``n`` times may be tried again.
RETRY_AFTER = (
    timedelta(0),
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
INLINE_LIMIT = 20
# session.info key: ids of notifications this session has committed and not yet delivered.
COMMITTED_IN_SESSION = "academy.committed_notifications"


@dataclass
class DeliveryReport:
    """What one run of the sender did."""

    sent: int = 0
    in_app_only: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str = ""  # why the run ended early: the mail server cannot be reached

    @property
    def handled(self) -> int:
        return self.sent + self.in_app_only + self.retrying + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.in_app_only += other.in_app_only
        self.retrying += other.retrying
        self.failed += other.failed
        self.stopped = other.stopped or self.stopped


def deliver_pending(
    session: Session, limit: int = 100, ids: list[int] | None = None, now: datetime | None = None
) -> DeliveryReport:
    """Send up to ``limit`` due notifications (only those in ``ids`` when given), oldest first.

    Each one is tried at most once per run. The run stops early when the mail server cannot be
    reached at all: the next messages would only wait for the same timeout.
    """
    report = DeliveryReport()
    last_id = 0
    with Postman() as postman:
        while report.handled < limit:
            moment = now or utcnow()
            notification = _claim_next(session, last_id, ids, moment)
            if notification is None:
                break
            last_id = notification.id
            _deliver_one(session, notification, postman, moment, report)
            session.commit()
            if report.stopped:
                break
    session.commit()  # ends the last (read-only) claim's transaction
    if report.handled:
        log.info(
            "notifications: %d e-mailed, %d in-app only, %d to retry, %d failed",
            report.sent,
            report.in_app_only,
            report.retrying,
            report.failed,
        )
    return report


def _due(moment: datetime) -> Any:
    """Pending notifications whose next attempt has come (the first one at once)."""
    return or_(
        Notification.email_attempts == 0,
        *(
            and_(Notification.email_attempts == n, Notification.created_at <= moment - RETRY_AFTER[n])
            for n in range(1, MAX_ATTEMPTS)
        ),
    )


def _claim_next(
    session: Session, after_id: int, ids: list[int] | None, moment: datetime
) -> Notification | None:
    """Lock the next due notification no other sender holds, and load what its message needs."""
    claim = (
        select(Notification.id)
        .where(Notification.email_status == EmailStatus.PENDING, Notification.id > after_id, _due(moment))
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        claim = claim.where(Notification.id.in_(ids))
    notification_id = session.scalar(claim)
    if notification_id is None:
        return None
    return session.scalars(
        select(Notification)
        .where(Notification.id == notification_id)
        .options(
            joinedload(Notification.user),
            joinedload(Notification.cohort).joinedload(Cohort.course),
            joinedload(Notification.cohort).joinedload(Cohort.region),
        )
        .execution_options(populate_existing=True)
    ).one()


def _deliver_one(
    session: Session, notification: Notification, postman: Postman, moment: datetime, report: DeliveryReport
) -> None:
    user = notification.user
    if not user.active:
        notification.email_status = EmailStatus.FAILED
        notification.last_error = "the account is deactivated"
        report.failed += 1
        return
    emailing = mail_enabled()
    if not emailing and notification.kind not in EMAIL_ONLY:
        notification.email_status = EmailStatus.SENT  # in the app only; see the module's docstring
        report.in_app_only += 1
        return
    savepoint = session.begin_nested()  # an invitation's secret is kept only if its e-mail leaves
    try:
        letter = compose(session, notification, moment)
        postman.send(user.email, letter.subject, letter.body)
    except MailNotSent as error:
        savepoint.rollback()
        _count_failure(notification, str(error), report)
        if isinstance(error, MailServerUnreachable):
            report.stopped = str(error)
        return
    except Exception as error:  # a message that cannot be written must not stop the others
        savepoint.rollback()
        log.exception("could not write notification %s", notification.id)
        _count_failure(notification, f"{type(error).__name__}: {error}", report)
        return
    savepoint.commit()
    notification.email_status = EmailStatus.SENT
    notification.emailed_at = moment if emailing else None
    notification.last_error = ""
    if emailing:
        report.sent += 1
    else:
        report.in_app_only += 1


def _count_failure(notification: Notification, error: str, report: DeliveryReport) -> None:
    notification.email_attempts += 1
    notification.last_error = error[:500]
    if notification.email_attempts >= MAX_ATTEMPTS:
        notification.email_status = EmailStatus.FAILED
        report.failed += 1
        log.warning("gave up e-mailing notification %s: %s", notification.id, error)
    else:
        report.retrying += 1
        log.info(
            "notification %s not e-mailed (attempt %d): %s",
            notification.id,
            notification.email_attempts,
            error,
        )


# -- delivery right after the request that wrote them ---------------------------------------------


def _remember_committed(session: Session) -> None:
    """``after_commit``: the notifications added through ``session`` are now in the database."""
    added: list[Notification] | None = session.info.pop(NEW_IN_SESSION, None)
    if not added:
        return
    committed = session.info.setdefault(COMMITTED_IN_SESSION, [])
    for notification in added:
        state = inspect(notification)
        if state.persistent and state.identity:  # rolled-back ones became transient
            committed.append(state.identity[0])


def track_new_notifications() -> None:
    """Listen to every session's commits (once per process)."""
    if not event.contains(Session, "after_commit", _remember_committed):
        event.listen(Session, "after_commit", _remember_committed)


def deliver_after_request(response: Response) -> Response:
    """``after_request``: e-mail what this request committed. A failure never breaks the request."""
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    ids: list[int] | None = session.info.pop(COMMITTED_IN_SESSION, None)
    if not ids:
        return response
    try:
        deliver_pending(session, limit=INLINE_LIMIT, ids=ids[:INLINE_LIMIT])
    except Exception:
        log.exception("notifications of this request are left to the sender")
        session.rollback()
    return response
