"""Course content, the timetable and attendance, the notification outbox and background jobs.

Columns added to existing tables get a server default so that rows already there stay valid.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:26:16.853903
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from academy.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_modules_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_modules")),
    )
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.create_index("ix_course_modules_course_id_position", ["course_id", "position"], unique=False)

    op.create_table(
        "cohort_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("room", sa.String(length=120), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attendance_version", sa.Integer(), nullable=False),
        sa.Column("attendance_taken_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_cohort_sessions_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_sessions_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_sessions")),
    )
    with op.batch_alter_table("cohort_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cohort_sessions_cohort_id_starts_at", ["cohort_id", "starts_at"], unique=False
        )

    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["course_modules.id"],
            name=op.f("fk_lessons_module_id_course_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index("ix_lessons_module_id_position", ["module_id", "position"], unique=False)

    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present", "late", "absent", "excused", name="attendancestatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_attendance_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cohort_sessions.id"],
            name=op.f("fk_attendance_session_id_cohort_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["student_id"], ["users.id"], name=op.f("fk_attendance_student_id_users")),
        sa.PrimaryKeyConstraint("session_id", "student_id", name=op.f("pk_attendance")),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_recorded_by_id"), ["recorded_by_id"], unique=False)
        batch_op.create_index("ix_attendance_student_id_status", ["student_id", "status"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="jobstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_jobs_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_owner_id_created_at", ["owner_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "lesson_progress",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_progress_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_lesson_progress_student_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("student_id", "lesson_id", name=op.f("pk_lesson_progress")),
    )
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_progress_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "enrolled",
                "waitlisted",
                "promoted",
                "starting_tomorrow",
                "invitation",
                "password_reset",
                name="notificationkind",
                native_enum=False,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column(
            "email_status",
            sa.Enum("pending", "sent", "failed", name="emailstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("emailed_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_notifications_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index("ix_notifications_email_status_id", ["email_status", "id"], unique=False)
        batch_op.create_index("ix_notifications_user_id_created_at", ["user_id", "created_at"], unique=False)

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index("ix_cohorts_ends_on", ["ends_on"], unique=False)

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=False, server_default="uz"))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))

    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_calendar_token"), ["calendar_token"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_calendar_token"), type_="unique")
        batch_op.drop_column("calendar_token")

    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("language")

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index("ix_cohorts_ends_on")
        batch_op.drop_column("version")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_at")
        batch_op.drop_index("ix_notifications_email_status_id")
        batch_op.drop_index(batch_op.f("ix_notifications_cohort_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_progress_lesson_id"))

    op.drop_table("lesson_progress")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status"))
        batch_op.drop_index("ix_jobs_owner_id_created_at")

    op.drop_table("jobs")
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_student_id_status")
        batch_op.drop_index(batch_op.f("ix_attendance_recorded_by_id"))

    op.drop_table("attendance")
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_index("ix_lessons_module_id_position")

    op.drop_table("lessons")
    with op.batch_alter_table("cohort_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_cohort_sessions_cohort_id_starts_at")

    op.drop_table("cohort_sessions")
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.drop_index("ix_course_modules_course_id_position")

    op.drop_table("course_modules")
