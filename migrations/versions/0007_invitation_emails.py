"""invitation emails

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

An invitation is the outbox of its own email: the sending job renders it (the secret is derived
from the application key and the invitation id, only its hash is stored), so an invitation costs
one row instead of an invitation and an email outbox row holding the plaintext secret.
Invitations made before this revision have no delivery state (``email_status`` NULL): their
emails went through ``email_messages``.

On PostgreSQL, ``refresh_member_statistics()`` lets the application role (which owns no table)
ANALYZE ``members`` while a bulk import fills it: with statistics of a much smaller table the
planner picks ``ix_members_tenant_status`` for the foreign-key checks of ``invitations``
(``tenant_id = $1 AND id = $2``) and scans the whole tenant per inserted row.
"""

import sqlalchemy as sa
from alembic import op

from app import rls
from app.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("email_message_id", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("email_error", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("email_sent_at", UTCDateTime(), nullable=True))
    if rls.is_postgresql():
        op.execute(
            """
            CREATE FUNCTION refresh_member_statistics() RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            BEGIN
              ANALYZE (SKIP_LOCKED) public.members;
            END $$
            """
        )
        op.execute("REVOKE ALL ON FUNCTION refresh_member_statistics() FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION refresh_member_statistics() TO "{rls.app_role()}"')


def downgrade() -> None:
    if rls.is_postgresql():
        op.execute("DROP FUNCTION IF EXISTS refresh_member_statistics()")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("email_sent_at")
        batch_op.drop_column("email_error")
        batch_op.drop_column("email_message_id")
        batch_op.drop_column("email_attempts")
        batch_op.drop_column("email_status")
