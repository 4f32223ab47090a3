"""member pause note

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

``members.pause_note``: the free-text reason staff give when pausing a member
(``POST /members/{id}/pause``), shown on the member and cleared on reactivation.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("pause_note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("pause_note")
