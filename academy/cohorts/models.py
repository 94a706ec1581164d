"""Cohorts, their instructors and timetable, enrolments with their history, and attendance.

``seats_taken`` and ``waitlist_length`` are counters kept in the cohort row and changed only by
conditional UPDATEs, so that the seat limit holds however many requests arrive at once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.courses.models import Course
from academy.db import Base, UTCDateTime, enum_column, utcnow
from academy.regions.models import Region


class EnrolmentStatus(enum.StrEnum):
    WAITLISTED = "waitlisted"
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"
    FAILED = "failed"


cohort_instructors = Table(
    "cohort_instructors",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("instructor_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Cohort(Base):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="not_overbooked"),
        CheckConstraint("waitlist_length >= 0", name="waitlist_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_cohorts_starts_on_region_code", "starts_on", "region_code"),
        Index("ix_cohorts_ends_on", "ends_on"),  # "not over yet": the catalogue, the phases
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)  # None: online
    venue: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    enrolment_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enrolment_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seats: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    waitlist_length: Mapped[int] = mapped_column(default=0)
    # Tickets hand out places in the waitlist in arrival order; a position is a rank among tickets.
    waitlist_tickets_issued: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every edit through the ORM (the seat counters move by plain UPDATEs and leave it be).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    course: Mapped[Course] = relationship()
    region: Mapped[Region | None] = relationship()
    instructors: Mapped[list[User]] = relationship(
        secondary=cohort_instructors, order_by=lambda: User.last_name
    )
    sessions: Mapped[list[CohortSession]] = relationship(
        back_populates="cohort", order_by=lambda: CohortSession.starts_at, cascade="all, delete-orphan"
    )

    @property
    def online(self) -> bool:
        return self.region_code is None

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.seats_taken)

    def enrolment_open(self, now: datetime) -> bool:
        return self.enrolment_opens_at <= now < self.enrolment_closes_at

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"


class Enrolment(Base):
    """A student in a cohort. One row per student and cohort, whatever its history."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("cohort_id", "student_id"),
        UniqueConstraint("cohort_id", "waitlist_ticket"),
        Index("ix_enrolments_cohort_id_status", "cohort_id", "status"),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_ticket IS NOT NULL)", name="ticket_only_when_waitlisted"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus))
    waitlist_ticket: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    student: Mapped[User] = relationship()
    events: Mapped[list[EnrolmentEvent]] = relationship(
        back_populates="enrolment", order_by=lambda: EnrolmentEvent.id, cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} {self.status.value}>"


class EnrolmentEvent(Base):
    """Who changed an enrolment, when, from what to what."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[EnrolmentStatus | None] = mapped_column(enum_column(EnrolmentStatus))
    to_status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="events")


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class CohortSession(Base):
    """One meeting of a cohort in its timetable: when, where (a room, or a link when online)."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_cohort_sessions_cohort_id_starts_at", "cohort_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    # The attendance register of this session is saved as a whole; this guards it against two tabs.
    attendance_version: Mapped[int] = mapped_column(default=0)
    attendance_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")


class Attendance(Base):
    """Whether a student came to a session."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_student_id_status", "student_id", "status"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
