"""posts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Posts and approval chains: the tenant's chain, posts with their versions and the decisions of
each submission round, each under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_TENANT_OWNED = ("approval_chains", "posts", "post_versions", "post_decisions")


def _tenant_columns() -> list:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
    ]


def upgrade() -> None:
    op.create_table(
        "approval_chains",
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.UniqueConstraint("tenant_id"),
    )
    op.create_table(
        "posts",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("content_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=True),
        sa.Column("current_level", sa.Integer(), nullable=True),
        sa.Column("awaiting_role", sa.String(length=20), nullable=True),
        sa.Column("awaiting_since", UTCDateTime(), nullable=True),
        sa.Column("approval_route", sa.String(length=20), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("rejected_at", UTCDateTime(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("external_url", sa.String(length=2000), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_posts_tenant_member_created", "posts", ["tenant_id", "member_id", "created_at"])
    op.create_index("ix_posts_tenant_status_created", "posts", ["tenant_id", "status", "created_at"])
    op.create_index("ix_posts_tenant_awaiting", "posts", ["tenant_id", "awaiting_role", "awaiting_since"])
    op.create_table(
        "post_versions",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("edited_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "version"),
    )
    op.create_table(
        "post_decisions",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("post_version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        *_tenant_columns(),
        sa.ForeignKeyConstraint(["tenant_id", "post_id"], ["posts.tenant_id", "posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "round", "level"),
    )
    for table in NEW_TENANT_OWNED:
        rls.enable(table)


def downgrade() -> None:
    for table in reversed(NEW_TENANT_OWNED):
        rls.disable(table)
    op.drop_table("post_decisions")
    op.drop_table("post_versions")
    op.drop_index("ix_posts_tenant_awaiting", table_name="posts")
    op.drop_index("ix_posts_tenant_status_created", table_name="posts")
    op.drop_index("ix_posts_tenant_member_created", table_name="posts")
    op.drop_table("posts")
    op.drop_table("approval_chains")
