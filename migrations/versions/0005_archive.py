"""archive

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

The tamper-evident archive: per-tenant hash-chained entries and the chain's head (the row
appends serialise on, with the retention anchor), both under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("archive_heads", "archive_entries")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_heads",
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("pruned_seq", sa.BigInteger(), nullable=False),
        sa.Column("pruned_hash", sa.String(length=64), nullable=False),
        sa.Column("pruned_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    op.create_table(
        "archive_entries",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("actor_member_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("redacted_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "seq"),
    )
    with op.batch_alter_table("archive_entries", schema=None) as batch_op:
        batch_op.create_index("ix_archive_entries_kind", ["tenant_id", "kind", "seq"], unique=False)
        batch_op.create_index("ix_archive_entries_subject", ["tenant_id", "subject_id", "seq"], unique=False)
        batch_op.create_index("ix_archive_entries_recorded", ["tenant_id", "recorded_at"], unique=False)

    for table in NEW_TENANT_OWNED:
        rls.enable(table)
    rls.ensure_app_role()


def downgrade() -> None:
    for table in NEW_TENANT_OWNED:
        rls.disable(table)
    with op.batch_alter_table("archive_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_archive_entries_recorded")
        batch_op.drop_index("ix_archive_entries_subject")
        batch_op.drop_index("ix_archive_entries_kind")
    op.drop_table("archive_entries")
    op.drop_table("archive_heads")
