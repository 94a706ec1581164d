"""Writing notifications into the outbox. Delivery reads them back after the commit."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from academy.notifications.models import Notification, NotificationKind

log = logging.getLogger(__name__)


def notify(
    session: Session,
    user_id: int,
    kind: NotificationKind,
    cohort_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notification:
    """Add a notification for a user to the outbox of the current transaction."""
    notification = Notification(user_id=user_id, kind=kind, cohort_id=cohort_id, dedupe_key=dedupe_key)
    session.add(notification)
    log.debug("notification %s for user %s", kind.value, user_id)
    return notification
