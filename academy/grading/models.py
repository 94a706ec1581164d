"""Assessments of a course, what students hand in, and the grades instructors give, with their history.

A course's assessments (assignments, quizzes, practical exams and attendance as a component) carry a
weight (the course's weights total 100) and maximum points. Due dates are per cohort: an assessment
says on which day of a cohort it is due, and a cohort may move it (``CohortAssessment``), which is
also where an instructor releases its grades.

Work and grades belong to an enrolment (a student in a cohort), so an id from another cohort never
reaches the wrong gradebook. A grade carries a version: saving over a newer one is refused (409);
every change leaves a ``GradeChange`` row (who, when, old, new, reason).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment
from academy.courses.models import Course
from academy.db import Base, UTCDateTime, enum_column, utcnow

# Points and percentages: exact decimals in PostgreSQL, read back as floats (two decimals are kept).
POINTS = Numeric(8, 2, asdecimal=False)


class AssessmentKind(enum.StrEnum):
    ASSIGNMENT = "assignment"  # the student hands in text, a link or a file
    QUIZ = "quiz"  # auto-graded multiple choice
    EXAM = "exam"  # a practical exam the instructor grades; nothing is handed in
    ATTENDANCE = "attendance"  # the attendance rate, as a component of the result


class SubmissionType(enum.StrEnum):
    TEXT = "text"
    LINK = "link"
    FILE = "file"


class GradeSource(enum.StrEnum):
    MANUAL = "manual"  # an instructor, in the gradebook or the grading view
    IMPORT = "import"  # a CSV import
    QUIZ = "quiz"  # the best attempt of a quiz


class Assessment(Base):
    """A piece of a course's result. Titles and instructions are in the course's language."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("weight BETWEEN 0 AND 100", name="weight_percent"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
        CheckConstraint("due_day IS NULL OR due_day >= 0", name="due_day_not_negative"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="attempts_positive"),
        Index("ix_assessments_course_id_position", "course_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[AssessmentKind] = mapped_column(enum_column(AssessmentKind))
    title: Mapped[str] = mapped_column(String(200))
    instructions_markdown: Mapped[str] = mapped_column(Text, default="")
    instructions_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised on save
    submission_type: Mapped[SubmissionType | None] = mapped_column(enum_column(SubmissionType))  # assignments
    weight: Mapped[int]
    max_points: Mapped[float] = mapped_column(POINTS)
    # Due at the end (23:59, Tashkent) of this day of a cohort, counted from its first day (0);
    # None: the cohort's last day. A cohort can move it (CohortAssessment.due_at).
    due_day: Mapped[int | None]
    time_limit_minutes: Mapped[int | None]  # quizzes; None: no limit
    # Quizzes; None: unlimited. No column default on purpose: a default would turn an explicit None
    # ("unlimited") into 1 on INSERT, so every writer states the value.
    max_attempts: Mapped[int | None]
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)  # quizzes: questions and options
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    course: Mapped[Course] = relationship()
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="assessment", order_by=lambda: RubricCriterion.position, cascade="all, delete-orphan"
    )
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="assessment", order_by=lambda: QuizQuestion.position, cascade="all, delete-orphan"
    )

    @property
    def hand_in(self) -> bool:
        """Whether students hand something in (and so can be late, or missing)."""
        return self.kind in (AssessmentKind.ASSIGNMENT, AssessmentKind.QUIZ)

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.kind.value}>"


class RubricCriterion(Base):
    """One line of a rubric: what is judged, and the levels it can reach."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (Index("ix_rubric_criteria_assessment_id_position", "assessment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="criteria")
    levels: Mapped[list[RubricLevel]] = relationship(
        back_populates="criterion", order_by=lambda: RubricLevel.points, cascade="all, delete-orphan"
    )

    @property
    def max_points(self) -> float:
        return max((level.points for level in self.levels), default=0.0)


class RubricLevel(Base):
    """A level of a criterion ("meets expectations") and the points it is worth."""

    __tablename__ = "rubric_levels"
    __table_args__ = (CheckConstraint("points >= 0", name="points_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criteria.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[float] = mapped_column(POINTS)

    criterion: Mapped[RubricCriterion] = relationship(back_populates="levels")


class QuizQuestion(Base):
    """A question of a quiz: one right option, or several (``multiple``)."""

    __tablename__ = "quiz_questions"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_quiz_questions_assessment_id_position", "assessment_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[float] = mapped_column(POINTS, default=1)

    assessment: Mapped[Assessment] = relationship(back_populates="questions")
    options: Mapped[list[QuizOption]] = relationship(
        back_populates="question", order_by=lambda: QuizOption.position, cascade="all, delete-orphan"
    )


class QuizOption(Base):
    __tablename__ = "quiz_options"
    __table_args__ = (Index("ix_quiz_options_question_id_position", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[QuizQuestion] = relationship(back_populates="options")


class CohortAssessment(Base):
    """What a cohort changes of an assessment: a moved due date, and the release of its grades.

    A row exists only once a cohort has changed something; without one the assessment is due on its
    ``due_day`` and its grades are hidden.
    """

    __tablename__ = "cohort_assessments"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    cohort: Mapped[Cohort] = relationship()
    assessment: Mapped[Assessment] = relationship()


class Submission(Base):
    """A student's work for an assignment: the latest hand-in replaces the one before.

    A file is kept outside ``static/`` under ``file_key`` (a generated name); ``file_name`` is the name
    it had on the student's machine, shown and offered on download only.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assessment_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    file_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_type: Mapped[str] = mapped_column(String(100), default="")  # the MIME type found in its content
    file_size: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    times_submitted: Mapped[int] = mapped_column(default=1)

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()


class QuizAttempt(Base):
    """One attempt at a quiz. ``seed`` fixes the shuffled order the student saw."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("assessment_id", "enrolment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: no time limit
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[float | None] = mapped_column(POINTS)

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    answers: Mapped[list[QuizAnswer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class QuizAnswer(Base):
    """An option a student ticked in an attempt."""

    __tablename__ = "quiz_answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_options.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class Grade(Base):
    """The grade of one student's assessment. ``points`` None and not ``excused``: not graded (yet).

    The row is never deleted once written, so its version keeps counting: a form drawn from an older
    version is always refused.
    """

    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("assessment_id", "enrolment_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    points: Mapped[float | None] = mapped_column(POINTS)
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    graded_by: Mapped[User | None] = relationship()
    criteria: Mapped[list[GradeCriterion]] = relationship(
        back_populates="grade", cascade="all, delete-orphan"
    )


class GradeCriterion(Base):
    """The level a grade gave one rubric criterion."""

    __tablename__ = "grade_criteria"

    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criteria.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level_id: Mapped[int] = mapped_column(ForeignKey("rubric_levels.id", ondelete="CASCADE"), index=True)

    grade: Mapped[Grade] = relationship(back_populates="criteria")


class GradeChange(Base):
    """One change of a grade: who, when, from what to what, and why.

    Points and "excused" are always written, changed or not. Feedback and rubric levels are written
    only when they changed (None: unchanged): levels as ``{"<criterion id>": <level id>}``, ``{}``
    for none.
    """

    __tablename__ = "grade_changes"
    __table_args__ = (Index("ix_grade_changes_enrolment_id_assessment_id", "enrolment_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: the quiz
    source: Mapped[GradeSource] = mapped_column(enum_column(GradeSource))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    old_points: Mapped[float | None] = mapped_column(POINTS)
    old_excused: Mapped[bool] = mapped_column(Boolean, default=False)
    new_points: Mapped[float | None] = mapped_column(POINTS)
    new_excused: Mapped[bool] = mapped_column(Boolean, default=False)
    old_feedback: Mapped[str | None] = mapped_column(Text)
    new_feedback: Mapped[str | None] = mapped_column(Text)
    old_levels: Mapped[dict[str, int] | None] = mapped_column(JSON)
    new_levels: Mapped[dict[str, int] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()
    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()

    @property
    def grade_changed(self) -> bool:
        """Whether the points or "excused" changed (not only the feedback or the levels)."""
        return (self.old_points, self.old_excused) != (self.new_points, self.new_excused)

    @property
    def feedback_changed(self) -> bool:
        return self.old_feedback is not None or self.new_feedback is not None

    @property
    def levels_changed(self) -> bool:
        return self.old_levels is not None or self.new_levels is not None

    def level_ids(self) -> set[int]:
        """The rubric levels this change names, before and after."""
        old, new = self.old_levels or {}, self.new_levels or {}
        return {int(level) for level in (*old.values(), *new.values())}
