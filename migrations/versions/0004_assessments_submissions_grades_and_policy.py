"""Assessments, rubrics and quizzes; submissions, attempts and grades with their history; the grading
policy of a course; the assessment a notification is about.

Columns added to existing tables get a server default so that rows already there stay valid.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 14:25:23.756038
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from academy.db import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assignment",
                "quiz",
                "exam",
                "attendance",
                name="assessmentkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions_markdown", sa.Text(), nullable=False),
        sa.Column("instructions_html", sa.Text(), nullable=False),
        sa.Column(
            "submission_type",
            sa.Enum("text", "link", "file", name="submissiontype", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("max_points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=True),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("shuffle", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "due_day IS NULL OR due_day >= 0", name=op.f("ck_assessments_due_day_not_negative")
        ),
        sa.CheckConstraint(
            "max_attempts IS NULL OR max_attempts >= 1", name=op.f("ck_assessments_attempts_positive")
        ),
        sa.CheckConstraint("max_points > 0", name=op.f("ck_assessments_max_points_positive")),
        sa.CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0",
            name=op.f("ck_assessments_time_limit_positive"),
        ),
        sa.CheckConstraint("weight BETWEEN 0 AND 100", name=op.f("ck_assessments_weight_percent")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_assessments_course_id_courses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_course_id_position", ["course_id", "position"], unique=False)

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_quiz_questions_points_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_quiz_questions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_questions_assessment_id_position", ["assessment_id", "position"], unique=False
        )

    op.create_table(
        "rubric_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_rubric_criteria_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_criteria")),
    )
    with op.batch_alter_table("rubric_criteria", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rubric_criteria_assessment_id_position", ["assessment_id", "position"], unique=False
        )

    op.create_table(
        "cohort_assessments",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_cohort_assessments_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_assessments_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_cohort_assessments_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("cohort_id", "assessment_id", name=op.f("pk_cohort_assessments")),
    )
    with op.batch_alter_table("cohort_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_assessments_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_assessments_released_by_id"), ["released_by_id"], unique=False
        )

    op.create_table(
        "quiz_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_options_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_options")),
    )
    with op.batch_alter_table("quiz_options", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_options_question_id_position", ["question_id", "position"], unique=False
        )

    op.create_table(
        "rubric_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_rubric_levels_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["rubric_criteria.id"],
            name=op.f("fk_rubric_levels_criterion_id_rubric_criteria"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_levels")),
    )
    with op.batch_alter_table("rubric_levels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rubric_levels_criterion_id"), ["criterion_id"], unique=False)

    op.create_table(
        "grade_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("manual", "import", "quiz", name="gradesource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("old_points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
        sa.Column("old_excused", sa.Boolean(), nullable=False),
        sa.Column("new_points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
        sa.Column("new_excused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_grade_changes_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_grade_changes_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_grade_changes_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_changes")),
    )
    with op.batch_alter_table("grade_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grade_changes_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_changes_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(
            "ix_grade_changes_enrolment_id_assessment_id", ["enrolment_id", "assessment_id"], unique=False
        )

    op.create_table(
        "grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
        sa.Column("excused", sa.Boolean(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("graded_by_id", sa.Integer(), nullable=True),
        sa.Column("graded_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("points IS NULL OR points >= 0", name=op.f("ck_grades_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_grades_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_grades_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["graded_by_id"], ["users.id"], name=op.f("fk_grades_graded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grades")),
        sa.UniqueConstraint(
            "assessment_id", "enrolment_id", name=op.f("uq_grades_assessment_id_enrolment_id")
        ),
    )
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grades_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grades_graded_by_id"), ["graded_by_id"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("points", sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_quiz_attempts_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_quiz_attempts_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint(
            "assessment_id",
            "enrolment_id",
            "number",
            name=op.f("uq_quiz_attempts_assessment_id_enrolment_id_number"),
        ),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_attempts_enrolment_id"), ["enrolment_id"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("file_key", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("times_submitted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_submissions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_submissions_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "assessment_id", "enrolment_id", name=op.f("uq_submissions_assessment_id_enrolment_id")
        ),
        sa.UniqueConstraint("file_key", name=op.f("uq_submissions_file_key")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_enrolment_id"), ["enrolment_id"], unique=False)

    op.create_table(
        "grade_criteria",
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["rubric_criteria.id"],
            name=op.f("fk_grade_criteria_criterion_id_rubric_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"], ["grades.id"], name=op.f("fk_grade_criteria_grade_id_grades"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["rubric_levels.id"],
            name=op.f("fk_grade_criteria_level_id_rubric_levels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grade_id", "criterion_id", name=op.f("pk_grade_criteria")),
    )
    with op.batch_alter_table("grade_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grade_criteria_criterion_id"), ["criterion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_criteria_level_id"), ["level_id"], unique=False)

    op.create_table(
        "quiz_answers",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_quiz_answers_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["quiz_options.id"],
            name=op.f("fk_quiz_answers_option_id_quiz_options"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "option_id", name=op.f("pk_quiz_answers")),
    )
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_answers_option_id"), ["option_id"], unique=False)

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_grace_hours", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "late_penalty_per_day",
                sa.Numeric(precision=5, scale=2, asdecimal=False),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.add_column(sa.Column("late_floor", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("min_attendance", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("missing_counts_as", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_check_constraint(op.f("ck_courses_grace_not_negative"), "late_grace_hours >= 0")
        batch_op.create_check_constraint(
            op.f("ck_courses_penalty_percent"), "late_penalty_per_day BETWEEN 0 AND 100"
        )
        batch_op.create_check_constraint(
            op.f("ck_courses_late_floor_percent"), "late_floor BETWEEN 0 AND 100"
        )
        batch_op.create_check_constraint(
            op.f("ck_courses_min_attendance_percent"), "min_attendance BETWEEN 0 AND 100"
        )
        batch_op.create_check_constraint(
            op.f("ck_courses_missing_percent"), "missing_counts_as BETWEEN 0 AND 100"
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_assessment_id_assessments"),
            "assessments",
            ["assessment_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_assessment_id_assessments"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_assessment_id"))
        batch_op.drop_column("assessment_id")

    with op.batch_alter_table("courses", schema=None) as batch_op:
        for name in (
            "missing_percent",
            "min_attendance_percent",
            "late_floor_percent",
            "penalty_percent",
            "grace_not_negative",
        ):
            batch_op.drop_constraint(op.f(f"ck_courses_{name}"), type_="check")
        batch_op.drop_column("missing_counts_as")
        batch_op.drop_column("min_attendance")
        batch_op.drop_column("late_floor")
        batch_op.drop_column("late_penalty_per_day")
        batch_op.drop_column("late_grace_hours")

    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_answers_option_id"))

    op.drop_table("quiz_answers")
    with op.batch_alter_table("grade_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_criteria_level_id"))
        batch_op.drop_index(batch_op.f("ix_grade_criteria_criterion_id"))

    op.drop_table("grade_criteria")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_enrolment_id"))

    op.drop_table("submissions")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_enrolment_id"))

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grades_graded_by_id"))
        batch_op.drop_index(batch_op.f("ix_grades_enrolment_id"))

    op.drop_table("grades")
    with op.batch_alter_table("grade_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_grade_changes_enrolment_id_assessment_id")
        batch_op.drop_index(batch_op.f("ix_grade_changes_assessment_id"))
        batch_op.drop_index(batch_op.f("ix_grade_changes_actor_id"))

    op.drop_table("grade_changes")
    with op.batch_alter_table("rubric_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_levels_criterion_id"))

    op.drop_table("rubric_levels")
    with op.batch_alter_table("quiz_options", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_options_question_id_position")

    op.drop_table("quiz_options")
    with op.batch_alter_table("cohort_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_assessments_released_by_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_assessments_assessment_id"))

    op.drop_table("cohort_assessments")
    with op.batch_alter_table("rubric_criteria", schema=None) as batch_op:
        batch_op.drop_index("ix_rubric_criteria_assessment_id_position")

    op.drop_table("rubric_criteria")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_questions_assessment_id_position")

    op.drop_table("quiz_questions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_course_id_position")

    op.drop_table("assessments")
