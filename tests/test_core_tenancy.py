"""Core statements cannot escape the tenant: the second half of the filter in ``app.db``.

``select(Model)`` gets ``tenant_id = :current`` from the ORM; ``select(Model.__table__)`` would
get nothing, so it is refused unless it says how it is filtered. Inserts go through
``upsert_insert``, which stamps the current tenant. Runs on SQLite and PostgreSQL alike: the
guard does not lean on row-level security.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, event, func, insert, select, update

from app import tenancy, transactions
from app.db import FILTERED_BY_HAND, db, upsert_insert
from app.notifications import EmailMessage
from tenants.models import Member, SocialAccount
from tenants.tokens import ApiToken

MEMBERS = Member.__table__
EMAILS = EmailMessage.__table__


def _email(key: str) -> dict:
    return {"to_address": "someone@example.com", "subject": "s", "body_text": "b", "kind": "test", "dedupe_key": key}


def _tenants_of_emails(owner_engine, keys) -> dict[str, uuid.UUID]:
    with owner_engine.connect() as connection:
        rows = connection.execute(select(EMAILS.c.dedupe_key, EMAILS.c.tenant_id).where(EMAILS.c.dedupe_key.in_(keys)))
        return {key: uuid.UUID(str(tenant)) for key, tenant in rows}


@pytest.fixture
def statements(app_ctx):
    """The SQL the app's engine sends, as text."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)


# -- the guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: select(MEMBERS), id="select-table"),
        pytest.param(lambda: select(MEMBERS.c.email), id="select-columns"),
        pytest.param(lambda: select(func.count()).select_from(MEMBERS), id="count-from-table"),
        pytest.param(lambda: update(MEMBERS).values(name="Renamed"), id="update-table"),
        pytest.param(lambda: delete(MEMBERS).where(MEMBERS.c.email == "nobody@example.com"), id="delete-table"),
        pytest.param(
            lambda: update(MEMBERS).where(Member.name != "").values(name="Renamed"), id="update-table-orm-where"
        ),
        pytest.param(lambda: select(Member).from_statement(select(MEMBERS)), id="from-statement-core"),
    ],
)
def test_a_core_statement_on_a_tenant_owned_table_is_refused(app_ctx, world, statement):
    with tenancy.scope(world.a.tenant_id):
        with pytest.raises(tenancy.UnfilteredTenantStatement, match="members"):
            db.session.execute(statement())
        transactions.rollback()


def test_a_core_statement_cannot_read_another_tenants_rows_on_a_connection_either(app_ctx, world):
    with tenancy.scope(world.a.tenant_id):
        with pytest.raises(tenancy.UnfilteredTenantStatement):
            db.session.connection().execute(select(MEMBERS.c.email))
        transactions.rollback()


def test_with_the_opt_out_a_core_statement_runs_as_written(app_ctx, world):
    with tenancy.scope(world.a.tenant_id):
        # filtered by hand: the WHERE names the tenant itself
        emails = db.session.scalars(
            select(MEMBERS.c.email)
            .where(MEMBERS.c.tenant_id == world.a.tenant_id)
            .execution_options(**{FILTERED_BY_HAND: True})
        ).all()
        assert emails == [f"owner@{world.a.slug}.example"]
        renamed = db.session.execute(
            update(MEMBERS)
            .where(MEMBERS.c.tenant_id == world.a.tenant_id)
            .values(name="Renamed")
            .execution_options(tenant_filtered_by_hand=True)
        )
        assert renamed.rowcount == 1
        # the option may also be given to execute()
        count = db.session.scalar(
            select(func.count()).select_from(MEMBERS).where(MEMBERS.c.tenant_id == world.a.tenant_id),
            execution_options={FILTERED_BY_HAND: True},
        )
        assert count == 1
        transactions.commit()
    with tenancy.scope(world.b.tenant_id):
        assert db.session.get(Member, world.b.owner_id).name == f"Owner {world.b.slug}"


def test_unscoped_platform_work_may_use_core_statements(app_ctx, world):
    # on PostgreSQL row-level security still applies: with a tenant set, its rows are visible
    with tenancy.scope(world.a.tenant_id), tenancy.unscoped():
        emails = db.session.scalars(select(MEMBERS.c.email)).all()
    assert f"owner@{world.a.slug}.example" in emails
    transactions.rollback()


# -- the ORM stays filtered --------------------------------------------------------------------


def test_orm_statements_are_filtered_not_refused(app_ctx, world, statements):
    with tenancy.scope(world.b.tenant_id):
        db.session.add(SocialAccount(member_id=world.b.owner_id, platform="linkedin", handle="b-owner"))
        transactions.commit()
    with tenancy.scope(world.a.tenant_id):
        assert db.session.scalars(select(Member.email)).all() == [f"owner@{world.a.slug}.example"]
        assert [m.id for m in db.session.scalars(select(Member).from_statement(select(Member)))] == [world.a.owner_id]
        statements.clear()
        revoked = db.session.execute(
            update(ApiToken)
            .where(ApiToken.member_id == world.b.owner_id)
            .values(name="stolen")
            .execution_options(synchronize_session=False)
        )
        removed = db.session.execute(delete(SocialAccount).where(SocialAccount.member_id == world.b.owner_id))
        assert (revoked.rowcount, removed.rowcount) == (0, 0)
        update_sql, delete_sql = (s for s in statements if s.startswith(("UPDATE", "DELETE")))
        assert "api_tokens.tenant_id = " in update_sql
        assert "social_accounts.tenant_id = " in delete_sql
        # the unit of work's own UPDATE by primary key passes the guard
        db.session.get(Member, world.a.owner_id).name = "Flushed"
        db.session.flush()
        transactions.commit()
    with tenancy.scope(world.b.tenant_id):
        assert "stolen" not in db.session.scalars(select(ApiToken.name)).all()
        assert db.session.scalar(select(func.count()).select_from(SocialAccount)) == 1


# -- inserts -----------------------------------------------------------------------------------


def test_upsert_insert_stamps_the_active_tenant(app_ctx, world, owner_engine):
    with tenancy.scope(world.a.tenant_id):
        db.session.execute(upsert_insert(EMAILS).values(_email("one")))
        db.session.execute(upsert_insert(EMAILS).values(**_email("keywords")))
        db.session.execute(upsert_insert(EMAILS).values([_email("list-1"), _email("list-2")]))
        db.session.execute(upsert_insert(EMAILS), [_email("many-1"), _email("many-2")])
        db.session.execute(upsert_insert(EmailMessage), [_email("orm-1"), _email("orm-2")])
        db.session.execute(
            upsert_insert(EMAILS)
            .values({**_email("list-1"), "subject": "again"})
            .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
        )
        # naming the current tenant is allowed
        db.session.execute(upsert_insert(EMAILS).values({**_email("named"), "tenant_id": world.a.tenant_id}))
        transactions.commit()
    keys = ["one", "keywords", "list-1", "list-2", "many-1", "many-2", "orm-1", "orm-2", "named"]
    assert _tenants_of_emails(owner_engine, keys) == dict.fromkeys(keys, world.a.tenant_id)


def test_a_row_for_another_tenant_is_refused(app_ctx, world, owner_engine):
    foreign = {**_email("foreign"), "tenant_id": world.b.tenant_id}
    with tenancy.scope(world.a.tenant_id):
        with pytest.raises(tenancy.TenantContextMissing, match="another tenant"):
            upsert_insert(EMAILS).values(foreign)
        with pytest.raises(tenancy.TenantContextMissing, match="another tenant"):
            upsert_insert(EMAILS).values([_email("fine"), foreign])
        with pytest.raises(tenancy.TenantContextMissing, match="another tenant"):
            db.session.execute(upsert_insert(EMAILS), [_email("fine"), foreign])
        with pytest.raises(tenancy.TenantContextMissing, match="another tenant"):
            db.session.execute(upsert_insert(EMAILS), {**foreign, "tenant_id": str(world.b.tenant_id)})
        transactions.rollback()
    assert _tenants_of_emails(owner_engine, ["foreign", "fine"]) == {}


def test_no_active_tenant_means_no_insert(app_ctx, world, owner_engine):
    with pytest.raises(tenancy.TenantContextMissing):
        upsert_insert(EMAILS).values(_email("orphan"))
    with pytest.raises(tenancy.TenantContextMissing):
        upsert_insert(EMAILS).values({**_email("orphan"), "tenant_id": world.a.tenant_id})
    with pytest.raises(tenancy.TenantContextMissing):
        db.session.execute(upsert_insert(EMAILS), [_email("orphan")])
    transactions.rollback()
    with tenancy.unscoped():
        # platform work names each row's tenant; without one there is nothing to stamp
        upsert_insert(EMAILS).values({**_email("platform"), "tenant_id": world.b.tenant_id})
        with pytest.raises(tenancy.TenantContextMissing):
            upsert_insert(EMAILS).values(_email("orphan"))
    assert _tenants_of_emails(owner_engine, ["orphan"]) == {}


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(lambda: insert(EMAILS), id="core-insert"),
        pytest.param(lambda: insert(EmailMessage), id="orm-insert"),
    ],
)
def test_other_inserts_into_tenant_owned_tables_are_refused(app_ctx, world, statement):
    with tenancy.scope(world.a.tenant_id):
        with pytest.raises(tenancy.UnfilteredTenantStatement, match="upsert_insert"):
            db.session.execute(statement(), [{**_email("plain"), "tenant_id": world.a.tenant_id}])
        transactions.rollback()
