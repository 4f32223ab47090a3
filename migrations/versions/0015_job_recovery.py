"""job recovery

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

What the recovery sweep (app/recovery.py) needs to start a tracked job again: its function,
arguments, attempts so far and the checkpoint it committed; an index over the unfinished jobs
it scans each minute; and when an outbox event was given up after its last attempt.
"""

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_UNFINISHED = "status IN ('queued', 'started')"


def upgrade() -> None:
    op.add_column("jobs", sa.Column("function", sa.String(length=200), nullable=True))
    op.add_column("jobs", sa.Column("arguments", sa.JSON(), nullable=True))
    op.add_column("jobs", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("jobs", sa.Column("checkpoint", sa.JSON(), nullable=True))
    op.create_index(
        "ix_jobs_unfinished",
        "jobs",
        ["tenant_id", "created_at"],
        postgresql_where=sa.text(_UNFINISHED),
        sqlite_where=sa.text(_UNFINISHED),
    )
    op.add_column("outbox_events", sa.Column("gave_up_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("gave_up_at")
    op.drop_index("ix_jobs_unfinished", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        for column in ("checkpoint", "attempts", "arguments", "function"):
            batch.drop_column(column)
