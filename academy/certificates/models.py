"""Certificates with the snapshot of what they prove, their audit log, and the serial counters.

A certificate copies everything it states (holder's name, hours, grade, skills and levels, cohort
region and dates) at issue, so later edits of a course, a cohort or a profile never change it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment
from academy.courses.models import Course
from academy.db import Base, UTCDateTime, enum_column, utcnow
from academy.skills.models import Skill
from academy.tracks import Track

PERCENT = Numeric(5, 2, asdecimal=False)


class CertificateStatus(enum.StrEnum):
    """What is stored; "expired" is computed from ``expires_on`` (see ``certificate_status``)."""

    VALID = "valid"
    REVOKED = "revoked"


class CertificateEventKind(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    REISSUED = "reissued"


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("final_grade BETWEEN 0 AND 100", name="grade_percent"),
        CheckConstraint("attendance_rate BETWEEN 0 AND 100", name="attendance_percent"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_when_revoked_at"),
        CheckConstraint(
            "current_enrolment_id IS NULL OR current_enrolment_id = enrolment_id", name="current_is_own"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(43), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    # The enrolment's id while this is its current certificate, NULL once a reissue replaced it: the
    # unique constraint allows one current certificate per enrolment on every database.
    current_enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    holder_name: Mapped[str] = mapped_column(String(161))  # as registered at issue
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))  # None: online
    track: Mapped[Track] = mapped_column(enum_column(Track))
    hours: Mapped[int]
    final_grade: Mapped[float] = mapped_column(PERCENT)  # percent
    attendance_rate: Mapped[float | None] = mapped_column(PERCENT)  # percent; None: no session recorded
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date | None]  # the first day it no longer holds; None: never
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column(CertificateStatus), default=CertificateStatus.VALID
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    language: Mapped[str] = mapped_column(String(5))  # the holder's locale at issue
    # The Open Badges 3.0 forms signed at issue (academy.certificates.credentials): the JSON-LD
    # credential with its Data Integrity proof, and the VC-JWT. None only for certificates issued
    # before credentials existed.
    credential: Mapped[str | None] = mapped_column(Text, deferred=True)
    credential_jwt: Mapped[str | None] = mapped_column(Text, deferred=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enrolment: Mapped[Enrolment] = relationship(foreign_keys=[enrolment_id])
    course: Mapped[Course] = relationship()
    cohort: Mapped[Cohort] = relationship()
    revoked_by: Mapped[User | None] = relationship()
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id])
    skills: Mapped[list[CertificateSkill]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan", order_by=lambda: CertificateSkill.skill_id
    )
    events: Mapped[list[CertificateEvent]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan", order_by=lambda: CertificateEvent.id
    )

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status.value}>"


class CertificateSkill(Base):
    """A skill and level the certificate proves, copied from the course at issue."""

    __tablename__ = "certificate_skills"
    __table_args__ = (CheckConstraint("level >= 1", name="level_positive"),)

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True, index=True)
    level: Mapped[int]

    certificate: Mapped[Certificate] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class CertificateEvent(Base):
    """The audit log: who issued, revoked or reissued a certificate, when and why."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CertificateEventKind] = mapped_column(enum_column(CertificateEventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    certificate: Mapped[Certificate] = relationship(back_populates="events")


class CertificateSerial(Base):
    """The last serial number handed out for a track, year and region ("ONLINE" for online cohorts)."""

    __tablename__ = "certificate_serials"
    __table_args__ = (CheckConstraint("last_number >= 0", name="number_not_negative"),)

    track: Mapped[Track] = mapped_column(enum_column(Track), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
