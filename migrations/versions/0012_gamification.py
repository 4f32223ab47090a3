"""gamification

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23

Point rules and levels, the append-only points ledger, activities, the aggregates maintained
with them (points per member and period, counters, challenge progress, caps), badges,
milestones and challenges; all under forced RLS. On PostgreSQL the application role may not
UPDATE or DELETE ledger entries or activities (append-only by grant, not only by convention),
except a ledger entry's ``reason``, which erasure pseudonymises.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

NEW_TENANT_OWNED = (
    "gamification_settings",
    "point_entries",
    "member_points",
    "points_histogram",
    "member_activities",
    "member_counters",
    "point_caps",
    "badges",
    "badge_awards",
    "milestone_achievements",
    "challenges",
    "challenge_progress",
)
APPEND_ONLY = ("point_entries", "member_activities")

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _id() -> list:
    return [sa.Column("id", sa.Uuid(), nullable=False), sa.PrimaryKeyConstraint("id")]


def _member() -> list:
    return [
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"], ondelete="CASCADE"),
    ]


def _where(clause: str) -> dict:
    return {"postgresql_where": sa.text(clause), "sqlite_where": sa.text(clause)}


def upgrade() -> None:
    op.create_table(
        "gamification_settings",
        _tenant(),
        *_id(),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("rules_updated_at", UTCDateTime(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.UniqueConstraint("tenant_id"),
    )
    op.create_table(
        "point_entries",
        _tenant(),
        *_id(),
        *_member(),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("actor_member_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "source_key", "rule"),
    )
    op.create_index("ix_point_entries_member_created", "point_entries", ["tenant_id", "member_id", "created_at", "id"])
    op.create_index("ix_point_entries_member_occurred", "point_entries", ["tenant_id", "member_id", "occurred_at"])
    op.create_table(
        "member_points",
        _tenant(),
        *_member(),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("department_key", sa.String(300), nullable=True),
        sa.Column("location_key", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "member_id", "period", "period_start"),
    )
    op.create_index(
        "ix_member_points_board",
        "member_points",
        ["tenant_id", "period", "period_start", "points", "member_id"],
        **_where("listed"),
    )
    op.create_index(
        "ix_member_points_department",
        "member_points",
        ["tenant_id", "period", "period_start", "department_key", "points", "member_id"],
        **_where("listed"),
    )
    op.create_table(
        "points_histogram",
        _tenant(),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(310), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "period", "period_start", "scope", "points"),
    )
    op.create_table(
        "member_activities",
        _tenant(),
        *_member(),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "metric", "source_key"),
    )
    op.create_index(
        "ix_member_activities_member_metric", "member_activities", ["tenant_id", "member_id", "metric", "occurred_at"]
    )
    op.create_table(
        "member_counters",
        _tenant(),
        *_member(),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "member_id", "metric"),
    )
    op.create_table(
        "point_caps",
        _tenant(),
        sa.Column("cap_key", sa.String(200), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "cap_key"),
    )
    op.create_table(
        "badges",
        _tenant(),
        *_id(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    op.create_index("ix_badges_tenant_created", "badges", ["tenant_id", "created_at"])
    op.create_table(
        "badge_awards",
        _tenant(),
        *_member(),
        sa.Column("badge_key", sa.String(64), nullable=False),
        sa.Column("awarded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "member_id", "badge_key"),
    )
    op.create_table(
        "milestone_achievements",
        _tenant(),
        *_member(),
        sa.Column("milestone", sa.String(40), nullable=False),
        sa.Column("achieved_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "member_id", "milestone"),
    )
    op.create_table(
        "challenges",
        _tenant(),
        *_id(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("platform", sa.String(20), nullable=True),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("bonus_points", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("tenant_id", "id"),
    )
    op.create_index("ix_challenges_tenant_window", "challenges", ["tenant_id", "starts_at", "ends_at"])
    op.create_table(
        "challenge_progress",
        _tenant(),
        *_member(),
        sa.Column("challenge_id", sa.Uuid(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "challenge_id"], ["challenges.tenant_id", "challenges.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "challenge_id", "member_id"),
    )
    for table in NEW_TENANT_OWNED:
        rls.enable(table)
    if rls.is_postgresql():
        for table in APPEND_ONLY:
            op.execute(f'REVOKE UPDATE, DELETE ON {table} FROM "{rls.app_role()}"')
        # Erasure pseudonymises names in correction reasons; nothing else of an entry changes.
        op.execute(f'GRANT UPDATE (reason) ON point_entries TO "{rls.app_role()}"')


def downgrade() -> None:
    for table in reversed(NEW_TENANT_OWNED):
        rls.disable(table)
    for table in reversed(NEW_TENANT_OWNED):
        op.drop_table(table)
