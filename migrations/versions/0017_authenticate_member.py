"""authentication returns the calling member's row

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08

``cip_authenticate`` (0016) returned the member's id and roles; every route then read the member
again. It now returns the whole ``members`` row as the composite ``member``, so the resolver
loads the caller as an ORM object in the same round trip that resolves the token and sets the
row-level-security context. The row type follows the table, so later columns need no change
here. Return types cannot be altered in place: the function is dropped and created again.
"""

from alembic import op

from app import rls

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SIGNATURE = "cip_authenticate(text, timestamptz, timestamptz)"

BODY = """
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
    SELECT %(columns)s
      FROM members m WHERE m.id = token.member_id AND m.status <> 'offboarded';
  IF FOUND AND (token.last_used_at IS NULL OR token.last_used_at < p_touch_before) THEN
    UPDATE api_tokens SET last_used_at = p_now WHERE id = token.id;
  END IF;
END
$$
"""

WITH_MEMBER = (
    "CREATE FUNCTION cip_authenticate(p_hash text, p_now timestamptz, p_touch_before timestamptz)\n"
    "RETURNS TABLE (token_id uuid, tenant_id uuid, token_scopes json, member members)\n"
    + BODY
    % {"columns": "token.id, token.tenant_id, token.scopes, m"}
)

WITH_ROLES = (
    "CREATE FUNCTION cip_authenticate(p_hash text, p_now timestamptz, p_touch_before timestamptz)\n"
    "RETURNS TABLE (token_id uuid, tenant_id uuid, member_id uuid, roles json, token_scopes json)\n"
    + BODY
    % {"columns": "token.id, token.tenant_id, m.id, m.roles, token.scopes"}
)


def _replace(definition: str) -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    op.execute(definition)
    op.execute(f'GRANT EXECUTE ON FUNCTION {SIGNATURE} TO "{rls.app_role()}"')


def upgrade() -> None:
    if rls.is_postgresql():
        _replace(WITH_MEMBER)


def downgrade() -> None:
    if rls.is_postgresql():
        _replace(WITH_ROLES)
