"""PostgreSQL row-level security for tenant-owned tables, used by the migrations.

The API connects as ``DATABASE_APP_ROLE`` (default ``cip_app``): it owns no table and has no
BYPASSRLS, and every tenant-owned table has ``FORCE ROW LEVEL SECURITY`` with a policy that
admits only rows of the tenant set by ``set_config('app.tenant_id', ..., true)`` for the
current transaction. Tables looked up by a secret before the tenant is known (API tokens,
invitations) also admit the one row whose hash equals ``app.credential_hash``.
"""

from __future__ import annotations

import os

from alembic import op

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def app_role() -> str:
    return os.environ.get("DATABASE_APP_ROLE", "cip_app")


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def ensure_app_role() -> None:
    """Create the application role (LOGIN, no ownership, no BYPASSRLS) and grant it DML.

    It grants on every existing table: a later migration must not call it again, or it would
    give back the UPDATE and DELETE that 0012 revoked on the append-only ledger. Tables created
    later get the role's DML from the default privileges set here.
    """
    if not is_postgresql():
        return
    role = app_role()
    password = os.environ.get("DATABASE_APP_PASSWORD")
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$;
        """
    )
    if password:
        op.execute(f"ALTER ROLE \"{role}\" PASSWORD '{password.replace(chr(39), chr(39) * 2)}'")
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"')
    op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')


def enable(table: str, credential_column: str | None = None) -> None:
    """Turn on forced RLS for a tenant-owned table."""
    if not is_postgresql():
        return
    predicate = TENANT_PREDICATE
    if credential_column:
        predicate = (
            f"({TENANT_PREDICATE}) OR ({credential_column} = NULLIF(current_setting('app.credential_hash', true), ''))"
        )
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({predicate}) WITH CHECK ({TENANT_PREDICATE})")


def disable(table: str) -> None:
    if not is_postgresql():
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
