"""Courses, the skills they teach, and their prerequisites."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.db import Base, UTCDateTime, enum_column, in_locale, utcnow
from academy.skills.models import Skill
from academy.tracks import Track


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


course_prerequisites = Table(
    "course_prerequisites",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
    CheckConstraint("course_id <> prerequisite_id", name="not_itself"),
)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    track: Mapped[Track] = mapped_column(enum_column(Track), index=True)
    title_uz: Mapped[str] = mapped_column(String(160))
    title_ru: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(160))
    description_uz: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[int]
    pass_mark: Mapped[int] = mapped_column(default=60)
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus), default=CourseStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skills: Mapped[list[CourseSkill]] = relationship(back_populates="course", cascade="all, delete-orphan")
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin=lambda: Course.id == course_prerequisites.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisites.c.prerequisite_id,
        order_by=lambda: Course.code,
    )

    def title(self, locale: str) -> str:
        return in_locale(self, "title", locale)

    def description(self, locale: str) -> str:
        return in_locale(self, "description", locale)

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class CourseSkill(Base):
    """A skill a course teaches, and the level a graduate reaches in it."""

    __tablename__ = "course_skills"
    __table_args__ = (CheckConstraint("level >= 1", name="level_positive"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True, index=True)
    level: Mapped[int]

    course: Mapped[Course] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()
