"""Courses, the skills they teach, their prerequisites, and their content: modules of ordered lessons."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Numeric, String, Table, Text
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
        CheckConstraint("late_grace_hours >= 0", name="grace_not_negative"),
        CheckConstraint("late_penalty_per_day BETWEEN 0 AND 100", name="penalty_percent"),
        CheckConstraint("late_floor BETWEEN 0 AND 100", name="late_floor_percent"),
        CheckConstraint("min_attendance BETWEEN 0 AND 100", name="min_attendance_percent"),
        CheckConstraint("missing_counts_as BETWEEN 0 AND 100", name="missing_percent"),
        CheckConstraint(
            "certificate_valid_months IS NULL OR certificate_valid_months BETWEEN 1 AND 120",
            name="certificate_months",
        ),
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
    language: Mapped[str] = mapped_column(String(5), default="uz")  # of instruction, and of the lessons
    pass_mark: Mapped[int] = mapped_column(default=60)
    # The grading policy (with the pass mark): see academy.grading.results.
    late_grace_hours: Mapped[int] = mapped_column(default=0)  # late by no more than this: no penalty
    late_penalty_per_day: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), default=0)  # % of max
    late_floor: Mapped[int] = mapped_column(default=0)  # % of max the penalty never takes a score below
    min_attendance: Mapped[int] = mapped_column(default=0)  # % of sessions a student must attend to pass
    missing_counts_as: Mapped[int] = mapped_column(default=0)  # % a missing hand-in scores once overdue
    # How long a certificate of the course holds, from its issue day; None: it never expires.
    certificate_valid_months: Mapped[int | None]
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus), default=CourseStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on every edit: a form saved over a newer version is refused (409), never applied.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    skills: Mapped[list[CourseSkill]] = relationship(back_populates="course", cascade="all, delete-orphan")
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin=lambda: Course.id == course_prerequisites.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisites.c.prerequisite_id,
        order_by=lambda: Course.code,
    )
    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", order_by=lambda: CourseModule.position, cascade="all, delete-orphan"
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


class CourseModule(Base):
    """A chapter of a course: lessons in order. Written in the course's language of instruction."""

    __tablename__ = "course_modules"
    __table_args__ = (Index("ix_course_modules_course_id_position", "course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by=lambda: Lesson.position, cascade="all, delete-orphan"
    )


class Lesson(Base):
    """One lesson. ``body_html`` is ``body_markdown`` rendered and sanitised when it is saved."""

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_module_id_position", "module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(default=0)  # expected study time
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    module: Mapped[CourseModule] = relationship(back_populates="lessons")


class LessonProgress(Base):
    """A lesson a student has marked done; progress is kept per student, across cohorts of a course."""

    __tablename__ = "lesson_progress"

    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
