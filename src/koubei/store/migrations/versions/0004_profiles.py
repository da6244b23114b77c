"""user_profiles and profile_segments: what `koubei profile build` and `koubei profile segments` compute

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_profiles",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("embedding", sa.JSON(), nullable=False),
        sa.Column("built_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_profiles")),
    )
    with op.batch_alter_table("user_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_profiles_model_version"), ["model_version"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_profiles_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_profiles_segment"), ["segment"], unique=False)
    op.create_table(
        "profile_segments",
        sa.Column("segment", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("segmentation", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("persona", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("segment", name=op.f("pk_profile_segments")),
    )


def downgrade() -> None:
    op.drop_table("profile_segments")
    with op.batch_alter_table("user_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_profiles_segment"))
        batch_op.drop_index(batch_op.f("ix_user_profiles_status"))
        batch_op.drop_index(batch_op.f("ix_user_profiles_model_version"))
    op.drop_table("user_profiles")
