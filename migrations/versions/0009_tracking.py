"""tracking

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

Tracking links (one short code per approved post, looked up by that code before the tenant is
known: the code is the RLS credential), daily click aggregates and the day's visitor hashes for
unique clicks, each under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("tracking_links", "tracking_click_days", "tracking_visitors")

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_links",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("content_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("target_url", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "post_id"),
    )
    op.create_table(
        "tracking_click_days",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("unique_clicks", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "link_id"], ["tracking_links.tenant_id", "tracking_links.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "link_id", "day"),
    )
    with op.batch_alter_table("tracking_click_days", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_click_days_tenant_day", ["tenant_id", "day"], unique=False)

    op.create_table(
        "tracking_visitors",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "link_id"], ["tracking_links.tenant_id", "tracking_links.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "link_id", "day", "visitor_hash"),
    )
    with op.batch_alter_table("tracking_visitors", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_visitors_tenant_day", ["tenant_id", "day"], unique=False)

    for table in NEW_TENANT_OWNED:
        rls.enable(table, credential_column="code" if table == "tracking_links" else None)
    rls.ensure_app_role()


def downgrade() -> None:
    for table in NEW_TENANT_OWNED:
        rls.disable(table)
    with op.batch_alter_table("tracking_visitors", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_visitors_tenant_day")

    op.drop_table("tracking_visitors")
    with op.batch_alter_table("tracking_click_days", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_click_days_tenant_day")

    op.drop_table("tracking_click_days")
    op.drop_table("tracking_links")
