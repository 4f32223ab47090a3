"""authentication in one statement

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

``cip_authenticate(token_hash, now, touch_before)`` resolves a bearer token, its member and its
tenant in one round trip and leaves the transaction's row-level-security context set to that
tenant (``app.tenant_id``). It runs with the caller's rights: it sets ``app.credential_hash``
so the token table's policy admits the one presented token, clears it, then sets the tenant so
the members policy admits the member. It also records ``last_used_at`` when the stored value is
older than ``touch_before``. PostgreSQL only; SQLite resolves tokens with plain statements.
"""

from alembic import op

from app import rls

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION cip_authenticate(p_hash text, p_now timestamptz, p_touch_before timestamptz)
RETURNS TABLE (token_id uuid, tenant_id uuid, member_id uuid, roles json, token_scopes json)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  token record;
BEGIN
  PERFORM set_config('app.credential_hash', p_hash, true);
  SELECT k.id, k.tenant_id, k.member_id, k.scopes, k.last_used_at INTO token
    FROM api_tokens k WHERE k.token_hash = p_hash AND k.revoked_at IS NULL;
  PERFORM set_config('app.credential_hash', '', true);
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('app.tenant_id', token.tenant_id::text, true);
  RETURN QUERY
    SELECT token.id, token.tenant_id, m.id, m.roles, token.scopes
      FROM members m WHERE m.id = token.member_id AND m.status <> 'offboarded';
  IF FOUND AND (token.last_used_at IS NULL OR token.last_used_at < p_touch_before) THEN
    UPDATE api_tokens SET last_used_at = p_now WHERE id = token.id;
  END IF;
END
$$
"""


def upgrade() -> None:
    if not rls.is_postgresql():
        return
    op.execute(FUNCTION)
    op.execute(f'GRANT EXECUTE ON FUNCTION cip_authenticate(text, timestamptz, timestamptz) TO "{rls.app_role()}"')


def downgrade() -> None:
    if rls.is_postgresql():
        op.execute("DROP FUNCTION IF EXISTS cip_authenticate(text, timestamptz, timestamptz)")
