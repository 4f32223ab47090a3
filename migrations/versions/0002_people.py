"""people

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Enrolment: member profile and lifecycle columns, invitations (hashed single-use secrets),
consent history, social accounts and uploaded member imports, each under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("member_imports", "consent_records", "invitations", "social_accounts")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_imports",
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    op.create_table(
        "consent_records",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("participation", sa.Boolean(), nullable=False),
        sa.Column("leaderboard_visible", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index("ix_consent_member", ["tenant_id", "member_id", "created_at"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index("ix_invitations_member", ["tenant_id", "member_id"], unique=False)

    op.create_table(
        "social_accounts",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "member_id", "platform"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headline", sa.String(length=220), nullable=True))
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("photo_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("activated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("paused_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("offboarded_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_members_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_members_tenant_department", ["tenant_id", "department", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_members_tenant_status", ["tenant_id", "status"], unique=False)

    for table in NEW_TENANT_OWNED:
        rls.enable(table, credential_column="token_hash" if table == "invitations" else None)
    rls.ensure_app_role()


def downgrade() -> None:
    for table in NEW_TENANT_OWNED:
        rls.disable(table)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_tenant_status")
        batch_op.drop_index("ix_members_tenant_department")
        batch_op.drop_index("ix_members_tenant_created")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("offboarded_at")
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("activated_at")
        batch_op.drop_column("photo_url")
        batch_op.drop_column("bio")
        batch_op.drop_column("headline")

    op.drop_table("social_accounts")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitations_member")

    op.drop_table("invitations")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_member")

    op.drop_table("consent_records")
    op.drop_table("member_imports")
