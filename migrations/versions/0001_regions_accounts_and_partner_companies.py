"""Regions, accounts and partner companies.

The 14 regions are reference data every install needs, so they come with the schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from academy.db import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


REGIONS = [
    ("UZ-TK", "Toshkent shahri", "город Ташкент", "Tashkent City"),
    ("UZ-TO", "Toshkent viloyati", "Ташкентская область", "Tashkent Region"),
    ("UZ-AN", "Andijon viloyati", "Андижанская область", "Andijan Region"),
    ("UZ-BU", "Buxoro viloyati", "Бухарская область", "Bukhara Region"),
    ("UZ-FA", "Fargʻona viloyati", "Ферганская область", "Fergana Region"),
    ("UZ-JI", "Jizzax viloyati", "Джизакская область", "Jizzakh Region"),
    ("UZ-NG", "Namangan viloyati", "Наманганская область", "Namangan Region"),
    ("UZ-NW", "Navoiy viloyati", "Навоийская область", "Navoi Region"),
    ("UZ-QA", "Qashqadaryo viloyati", "Кашкадарьинская область", "Kashkadarya Region"),
    ("UZ-SA", "Samarqand viloyati", "Самаркандская область", "Samarkand Region"),
    ("UZ-SI", "Sirdaryo viloyati", "Сырдарьинская область", "Syrdarya Region"),
    ("UZ-SU", "Surxondaryo viloyati", "Сурхандарьинская область", "Surkhandarya Region"),
    ("UZ-XO", "Xorazm viloyati", "Хорезмская область", "Khorezm Region"),
    ("UZ-QR", "Qoraqalpogʻiston Respublikasi", "Республика Каракалпакстан", "Republic of Karakalpakstan"),
]


def upgrade() -> None:
    regions = op.create_table(
        "regions",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_uz", sa.String(length=80), nullable=False),
        sa.Column("name_ru", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.bulk_insert(
        regions,
        [
            {"code": code, "name_uz": uz, "name_ru": ru, "name_en": en, "sort_order": order}
            for order, (code, uz, ru, en) in enumerate(REGIONS, start=1)
        ],
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("tax_id", sa.String(length=9), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "rejected", name="companystatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_companies_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("tax_id", name=op.f("uq_companies_tax_id")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_companies_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_companies_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column(
            "role",
            sa.Enum("student", "instructor", "employer", "admin", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_users_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_region_code"), ["region_code"], unique=False)
        batch_op.create_index("ix_users_created_at", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_users_role_created_at", ["role", "created_at"], unique=False)
        batch_op.create_index(
            "ix_users_role_active_region_code", ["role", "active", "region_code"], unique=False
        )

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_companies_decided_by_id_users"), "users", ["decided_by_id"], ["id"]
        )

    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_reset_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))

    op.drop_table("password_reset_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_role_active_region_code")
        batch_op.drop_index("ix_users_role_created_at")
        batch_op.drop_index("ix_users_created_at")
        batch_op.drop_index(batch_op.f("ix_users_region_code"))
        batch_op.drop_index(batch_op.f("ix_users_company_id"))

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_companies_decided_by_id_users"), type_="foreignkey")

    op.drop_table("users")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_status"))
        batch_op.drop_index(batch_op.f("ix_companies_region_code"))

    op.drop_table("companies")
    op.drop_table("regions")
