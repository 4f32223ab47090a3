"""metrics

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

Engagement metrics: append-only observations (unique per post, metric and observation time)
and the latest value per post and metric, both under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("metric_observations", "post_metrics")

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _tenant_columns() -> list:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]


def upgrade() -> None:
    op.create_table(
        "metric_observations",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "metric", "observed_at"),
    )
    op.create_table(
        "post_metrics",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "metric"),
    )
    for table in NEW_TENANT_OWNED:
        rls.enable(table)


def downgrade() -> None:
    for table in reversed(NEW_TENANT_OWNED):
        rls.disable(table)
    op.drop_table("post_metrics")
    op.drop_table("metric_observations")
