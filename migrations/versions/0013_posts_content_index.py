"""posts by content item

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23

An index for the posts of one library item, newest first: the sameness check on every share,
and the content library's share counts, read them.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_posts_tenant_content_created", "posts", ["tenant_id", "content_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_posts_tenant_content_created", table_name="posts")
