"""Every change of a grade leaves a history row: grade changes also record the feedback and the rubric
levels before and after, when they changed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("grade_changes") as batch:
        batch.add_column(sa.Column("old_feedback", sa.Text(), nullable=True))
        batch.add_column(sa.Column("new_feedback", sa.Text(), nullable=True))
        batch.add_column(sa.Column("old_levels", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("new_levels", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grade_changes") as batch:
        batch.drop_column("new_levels")
        batch.drop_column("old_levels")
        batch.drop_column("new_feedback")
        batch.drop_column("old_feedback")
