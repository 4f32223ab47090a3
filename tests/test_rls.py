"""PostgreSQL row-level security: the second wall, independent of the ORM filter."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app import auth, domains
from app.db import app_role_url, db

metadata = domains.metadata()  # every table of the shell and the domains

TENANT_OWNED = sorted(t.name for t in metadata.sorted_tables if "tenant_id" in t.c)


@pytest.fixture
def app_engine(is_postgres, database_url):
    if not is_postgres:
        pytest.skip("row-level security exists only on PostgreSQL (CI runs it)")
    engine = create_engine(app_role_url(database_url, "cip_app", None))
    yield engine
    engine.dispose()


def _as_tenant(connection, tenant_id=None, credential=None):
    connection.execute(
        text("SELECT set_config('app.tenant_id', :t, true), set_config('app.credential_hash', :c, true)"),
        {"t": str(tenant_id) if tenant_id else "", "c": credential or ""},
    )


def test_every_tenant_owned_table_forces_rls_with_a_policy(app_engine, owner_engine):
    with owner_engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY(:names)"
            ),
            {"names": TENANT_OWNED},
        ).all()
    assert sorted(r[0] for r in rows) == TENANT_OWNED
    for name, enabled, forced, policies in rows:
        assert enabled and forced and policies >= 1, name


def test_the_api_connects_as_a_role_that_cannot_bypass_rls(app, app_engine, owner_engine, world):
    with app.app_context():
        assert db.session.execute(text("SELECT current_user")).scalar() == "cip_app"
        db.session.rollback()
    with owner_engine.connect() as connection:
        role = connection.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'cip_app'")).one()
        owners = (
            connection.execute(text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    assert role == (False, False)
    assert "cip_app" not in owners


def test_rows_of_other_tenants_are_invisible_and_unwritable(app_engine, world):
    a, b = world.a.tenant_id, world.b.tenant_id
    with app_engine.begin() as connection:
        _as_tenant(connection)  # no tenant: nothing at all
        for table in TENANT_OWNED:
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    with app_engine.begin() as connection:
        _as_tenant(connection, a)
        tenants_seen = connection.execute(text("SELECT DISTINCT tenant_id FROM members")).scalars().all()
        assert [str(t) for t in tenants_seen] == [str(a)]
        changed = connection.execute(
            text("UPDATE members SET name = 'hijacked' WHERE tenant_id = :b"), {"b": str(b)}
        ).rowcount
        assert changed == 0
        assert connection.execute(text("DELETE FROM api_tokens WHERE tenant_id = :b"), {"b": str(b)}).rowcount == 0
    with pytest.raises(Exception, match="row-level security"):
        with app_engine.begin() as connection:
            _as_tenant(connection, a)
            connection.execute(
                text(
                    "INSERT INTO audit_events (id, tenant_id, action, target_type, created_at)"
                    " VALUES (gen_random_uuid(), :b, 'forged', 'tenant', now())"
                ),
                {"b": str(b)},
            )


def test_a_token_hash_reveals_only_its_own_row(app_engine, world):
    with app_engine.begin() as connection:
        _as_tenant(connection, credential=auth.hash_secret(world.b.token))
        rows = connection.execute(text("SELECT tenant_id FROM api_tokens")).scalars().all()
        assert [str(r) for r in rows] == [str(world.b.tenant_id)]
        assert connection.execute(text("SELECT count(*) FROM members")).scalar() == 0
