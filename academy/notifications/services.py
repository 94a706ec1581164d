"""Writing notifications into the outbox, and the user's own list of them.

``notify`` adds a row in the caller's transaction; the sender (``delivery``) e-mails it after the
commit. Invitations and password resets are e-mail only: they never appear in the in-app list.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.errors import NotFound
from academy.notifications.models import EmailStatus, Notification, NotificationKind

log = logging.getLogger(__name__)

# Messages that carry a secret link: e-mailed, never listed in the app.
EMAIL_ONLY = frozenset({NotificationKind.INVITATION, NotificationKind.PASSWORD_RESET})
IN_APP = tuple(kind for kind in NotificationKind if kind not in EMAIL_ONLY)
# session.info key: notifications added through this session and not yet committed.
NEW_IN_SESSION = "academy.new_notifications"
ACADEMY_TIMEZONE = ZoneInfo("Asia/Tashkent")


class NotificationNotFound(NotFound):
    message = _l("This notification does not exist.")


def notify(
    session: Session,
    user_id: int,
    kind: NotificationKind,
    cohort_id: int | None = None,
    dedupe_key: str | None = None,
    assessment_id: int | None = None,
) -> Notification:
    """Add a notification for a user to the outbox of the current transaction."""
    notification = Notification(
        user_id=user_id, kind=kind, cohort_id=cohort_id, dedupe_key=dedupe_key, assessment_id=assessment_id
    )
    session.add(notification)
    # Remembered so that the request that made it can e-mail it right after its commit.
    session.info.setdefault(NEW_IN_SESSION, []).append(notification)
    log.debug("notification %s for user %s", kind.value, user_id)
    return notification


def notify_all(session: Session, rows: Sequence[Mapping[str, object]]) -> list[Notification]:
    """Add many notifications in one INSERT (``rows``: :class:`Notification` columns, as ``notify``
    takes them), so that telling a whole cohort takes the same statements as telling one student.

    Written at once, not at the next flush: call it inside the savepoint that should refuse a taken
    dedupe key. They are e-mailed after the commit like those of ``notify``.
    """
    if not rows:
        return []
    added = list(session.scalars(insert(Notification).returning(Notification), list(rows)))
    session.info.setdefault(NEW_IN_SESSION, []).extend(added)
    log.debug("%d notifications of %s", len(added), sorted({str(row["kind"]) for row in rows}))
    return added


# -- the in-app list ------------------------------------------------------------------------------


def inbox(user_id: int) -> Select[Notification]:
    """The user's own notifications, newest first, with what their sentences mention."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id, Notification.kind.in_(IN_APP))
        .options(
            joinedload(Notification.cohort).joinedload(Cohort.course), joinedload(Notification.assessment)
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's listed notifications are unread (one COUNT)."""
    count = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.kind.in_(IN_APP),
        )
    )
    return int(count or 0)


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime | None = None) -> None:
    """Mark one of the user's own notifications read; anyone else's is not found."""
    notification = session.scalar(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.user_id == user_id,
            Notification.kind.in_(IN_APP),
        )
    )
    if notification is None:
        raise NotificationNotFound()
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        session.flush()


def mark_all_read(session: Session, user_id: int, now: datetime | None = None) -> int:
    """Mark every unread notification of the user read; how many there were."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.kind.in_(IN_APP),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- "starts tomorrow" ----------------------------------------------------------------------------


def academy_today(now: datetime | None = None) -> date:
    """Today's date in Tashkent, where the academy's days begin and end."""
    return (now or utcnow()).astimezone(ACADEMY_TIMEZONE).date()


def starting_key(cohort_id: int, user_id: int) -> str:
    return f"starting:{cohort_id}:{user_id}"


def notify_cohorts_starting(session: Session, today: date) -> int:
    """Tell every enrolled student of the cohorts starting the day after ``today``; how many were told.

    Each message has a dedupe key, so a second run (or a concurrent one) writes nothing new: the
    keys already present are read in one query, the rest inserted at once inside a savepoint, and
    should another run have inserted some of them meanwhile, the unique key refuses the batch and
    it is retried without them.
    """
    tomorrow = today + timedelta(days=1)
    pairs = session.execute(
        select(Enrolment.cohort_id, Enrolment.student_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.starts_on == tomorrow, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(Enrolment.cohort_id, Enrolment.student_id)
    ).all()
    wanted = {starting_key(cohort_id, user_id): (cohort_id, user_id) for cohort_id, user_id in pairs}
    cohort_ids = sorted({cohort_id for cohort_id, _user_id in pairs})
    for _attempt in range(3):
        missing = sorted(set(wanted) - _existing_keys(session, cohort_ids))
        if not missing:
            return 0
        rows = [
            {
                "user_id": wanted[key][1],
                "cohort_id": wanted[key][0],
                "kind": NotificationKind.STARTING_TOMORROW,
                "dedupe_key": key,
                "email_status": EmailStatus.PENDING,
            }
            for key in missing
        ]
        try:
            with session.begin_nested():
                session.execute(insert(Notification), rows)
        except IntegrityError:
            log.info("another run wrote some 'starts tomorrow' notifications first; retrying without them")
            continue
        log.info("%d students told that their cohort starts on %s", len(rows), tomorrow)
        return len(rows)
    raise RuntimeError("could not write the 'starts tomorrow' notifications: keys keep colliding")


def _existing_keys(session: Session, cohort_ids: list[int]) -> set[str]:
    """The "starts tomorrow" keys already written for these cohorts, in one query."""
    if not cohort_ids:
        return set()
    keys = session.scalars(
        select(Notification.dedupe_key).where(
            Notification.cohort_id.in_(cohort_ids),
            Notification.kind == NotificationKind.STARTING_TOMORROW,
        )
    )
    return {key for key in keys if key is not None}
