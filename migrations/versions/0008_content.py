"""content

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

The content library: items, their captions and their tags (topics and targeting), each
under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("content_items", "content_captions", "content_tags")

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("archived_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.create_index("ix_content_items_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_content_items_tenant_window", ["tenant_id", "archived_at", "starts_at", "ends_at"], unique=False
        )

    op.create_table(
        "content_captions",
        sa.Column("content_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "content_id"], ["content_items.tenant_id", "content_items.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    with op.batch_alter_table("content_captions", schema=None) as batch_op:
        batch_op.create_index("ix_content_captions_tenant_content", ["tenant_id", "content_id"], unique=False)

    op.create_table(
        "content_tags",
        sa.Column("content_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "content_id"], ["content_items.tenant_id", "content_items.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "content_id", "kind", "key"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.create_index("ix_content_tags_tenant_kind_key", ["tenant_id", "kind", "key"], unique=False)

    for table in NEW_TENANT_OWNED:
        rls.enable(table)
    rls.ensure_app_role()


def downgrade() -> None:
    for table in NEW_TENANT_OWNED:
        rls.disable(table)
    with op.batch_alter_table("content_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_content_tags_tenant_kind_key")
    op.drop_table("content_tags")
    with op.batch_alter_table("content_captions", schema=None) as batch_op:
        batch_op.drop_index("ix_content_captions_tenant_content")
    op.drop_table("content_captions")
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.drop_index("ix_content_items_tenant_window")
        batch_op.drop_index("ix_content_items_tenant_created")
    op.drop_table("content_items")
