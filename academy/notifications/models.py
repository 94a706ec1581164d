"""The notification outbox: one row per message to a user, shown in the app and e-mailed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.cohorts.models import Cohort
from academy.db import Base, UTCDateTime, enum_column, utcnow
from academy.grading.models import Assessment


class NotificationKind(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    STARTING_TOMORROW = "starting_tomorrow"
    GRADES_RELEASED = "grades_released"
    GRADE_GIVEN = "grade_given"  # a grade given after its assessment was released
    GRADE_UPDATED = "grade_updated"  # a released grade changed
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of message, not a password)


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class Notification(Base):
    """A message to one user about one event. Written by the service that makes the change, in its
    transaction, so a notification exists exactly when its change was committed."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        Index("ix_notifications_email_status_id", "email_status", "id"),  # the sender's queue
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    # Makes a notification that must go out once (e.g. "starts tomorrow") safe to write twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus), default=EmailStatus.PENDING)
    email_attempts: Mapped[int] = mapped_column(default=0)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
