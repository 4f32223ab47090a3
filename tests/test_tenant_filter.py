"""The global ORM filter: every statement on a tenant-owned model runs inside one tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app import tenancy, transactions
from app.db import db
from tenants.models import Member


def test_no_tenant_means_an_error_not_all_rows(app_ctx, world):
    with pytest.raises(tenancy.TenantContextMissing):
        db.session.scalars(select(Member)).all()
    with pytest.raises(tenancy.TenantContextMissing):
        db.session.execute(update(Member).values(name="x"))


def test_queries_updates_and_gets_stay_in_the_current_tenant(app_ctx, world):
    with tenancy.scope(world.a.tenant_id):
        emails = db.session.scalars(select(Member.email)).all()
        assert emails == [f"owner@{world.a.slug}.example"]
        assert db.session.get(Member, world.b.owner_id) is None
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1
        assert db.session.scalar(select(func.count()).select_from(select(Member).subquery())) == 1
        assert db.session.scalar(select(func.count(Member.id))) == 1
        db.session.execute(update(Member).values(name="Renamed"))
        transactions.commit()
    with tenancy.scope(world.b.tenant_id):
        assert db.session.get(Member, world.b.owner_id).name == f"Owner {world.b.slug}"


def test_new_rows_get_the_current_tenant_and_foreign_rows_are_refused(app_ctx, world):
    with tenancy.scope(world.a.tenant_id):
        member = Member(email="new@example.com", name="New")
        db.session.add(member)
        db.session.flush()
        assert member.tenant_id == world.a.tenant_id
        db.session.add(Member(tenant_id=world.b.tenant_id, email="sneaky@example.com", name="Sneaky"))
        with pytest.raises(tenancy.TenantContextMissing):
            db.session.flush()
        transactions.rollback()
