"""Certificates: the snapshot of what each proves (skills and levels too), their audit log, and the
per-(track, year, region) serial counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:58:13.192194
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from academy.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_serials",
        sa.Column("track", sa.Enum("bpo", "kpo", name="track", native_enum=False, length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_certificate_serials_number_not_negative")),
        sa.PrimaryKeyConstraint("track", "year", "region", name=op.f("pk_certificate_serials")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("verification_code", sa.String(length=43), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("current_enrolment_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=161), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("track", sa.Enum("bpo", "kpo", name="track", native_enum=False, length=16), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("final_grade", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=False),
        sa.Column("attendance_rate", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("valid", "revoked", name="certificatestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'revoked') = (revoked_at IS NOT NULL)",
            name=op.f("ck_certificates_revoked_when_revoked_at"),
        ),
        sa.CheckConstraint(
            "attendance_rate BETWEEN 0 AND 100", name=op.f("ck_certificates_attendance_percent")
        ),
        sa.CheckConstraint(
            "current_enrolment_id IS NULL OR current_enrolment_id = enrolment_id",
            name=op.f("ck_certificates_current_is_own"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_certificates_ends_after_start")),
        sa.CheckConstraint("final_grade BETWEEN 0 AND 100", name=op.f("ck_certificates_grade_percent")),
        sa.CheckConstraint("hours > 0", name=op.f("ck_certificates_hours_positive")),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_certificates_cohort_id_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_certificates_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["current_enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_certificates_current_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_certificates_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_certificates_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["certificates.id"], name=op.f("fk_certificates_replaces_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("current_enrolment_id", name=op.f("uq_certificates_current_enrolment_id")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_certificates_replaces_id")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_certificates_verification_code")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_revoked_by_id"), ["revoked_by_id"], unique=False)

    op.create_table(
        "certificate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "issued", "revoked", "reissued", name="certificateeventkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_certificate_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_events_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_events")),
    )
    with op.batch_alter_table("certificate_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificate_events_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "certificate_skills",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_certificate_skills_level_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_skills_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_certificate_skills_skill_id_skills")
        ),
        sa.PrimaryKeyConstraint("certificate_id", "skill_id", name=op.f("pk_certificate_skills")),
    )
    with op.batch_alter_table("certificate_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_skills_skill_id"), ["skill_id"], unique=False)


def downgrade() -> None:
    op.drop_table("certificate_skills")
    op.drop_table("certificate_events")
    op.drop_table("certificates")
    op.drop_table("certificate_serials")
