"""generated_content: input, guard results, review status, updated_at, reviewed_by

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generated_content", schema=None) as batch_op:
        batch_op.add_column(sa.Column("input", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column("guard", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="draft", nullable=False))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_generated_content_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("generated_content", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generated_content_status"))
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("status")
        batch_op.drop_column("guard")
        batch_op.drop_column("input")
