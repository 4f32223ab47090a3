"""token_scopes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

API tokens limited to scopes (integration tokens); posts keep their potential reach at publication.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("potential_reach", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("potential_reach")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("scopes")
