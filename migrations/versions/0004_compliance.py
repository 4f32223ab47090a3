"""compliance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Compliance rules and the per-tenant rule-set version, each under forced RLS.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = ("compliance_rules", "compliance_rule_sets")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_rules",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=True),
        sa.Column("pattern", sa.Text(), nullable=True),
        sa.Column("max_links", sa.Integer(), nullable=True),
        sa.Column("locales", sa.JSON(), nullable=True),
        sa.Column("platforms", sa.JSON(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("preset", sa.String(length=40), nullable=True),
        sa.Column("preset_key", sa.String(length=80), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "preset", "preset_key"),
    )
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_rules_created", ["tenant_id", "created_at", "id"], unique=False)

    op.create_table(
        "compliance_rule_sets",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id"),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    for table in NEW_TENANT_OWNED:
        rls.enable(table)
    rls.ensure_app_role()


def downgrade() -> None:
    for table in NEW_TENANT_OWNED:
        rls.disable(table)
    op.drop_table("compliance_rule_sets")
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_rules_created")

    op.drop_table("compliance_rules")
