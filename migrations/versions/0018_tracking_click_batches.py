"""tracking click batches

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08

The redirect buffers clicks (engagement/tracking/clicks.py); each tenant's part of a folded
batch is recorded here in the fold's transaction, so a batch folded again (its flush died
before deleting it from Redis) is a no-op. Under forced RLS like every tenant-owned table.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_click_batches",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "batch_id"),
    )
    op.create_index(
        "ix_tracking_click_batches_tenant_processed", "tracking_click_batches", ["tenant_id", "processed_at"]
    )
    rls.enable("tracking_click_batches")  # the app role's DML comes from the default privileges (0001)


def downgrade() -> None:
    rls.disable("tracking_click_batches")
    op.drop_index("ix_tracking_click_batches_tenant_processed", table_name="tracking_click_batches")
    op.drop_table("tracking_click_batches")
