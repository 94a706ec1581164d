"""Certificates keep their two signed Open Badges 3.0 forms: the JSON-LD credential with its Data
Integrity proof and the VC-JWT, written at issue; a course may say how many months its certificates
hold.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("credential", sa.Text(), nullable=True))
        batch.add_column(sa.Column("credential_jwt", sa.Text(), nullable=True))
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("certificate_valid_months", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            "certificate_months",
            "certificate_valid_months IS NULL OR certificate_valid_months BETWEEN 1 AND 120",
        )


def downgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.drop_constraint("certificate_months", type_="check")
        batch.drop_column("certificate_valid_months")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("credential_jwt")
        batch.drop_column("credential")
