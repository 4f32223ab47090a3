"""Platform runs over every tenant (the cron commands): one tenant at a time, each committed.

A scheduled command (``flask training remind``, ``flask archive prune``...) does the same
work for each tenant in turn. :func:`run_per_tenant` is that loop: it activates the tenant,
runs the work, commits, and moves on, so one tenant's outcome never waits for the next.
If the work raises, that tenant's transaction is rolled back and the run stops there
(tenants before it stay committed; rerunning the command is safe, every run is idempotent).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import select

from app import tenancy, transactions
from app.db import db
from tenants.models import Tenant

T = TypeVar("T")


def tenant_ids() -> list[uuid.UUID]:
    """Every tenant, oldest first (platform work, visibly unscoped)."""
    with tenancy.unscoped():
        return list(db.session.scalars(select(Tenant.id).order_by(Tenant.created_at)))


def run_per_tenant(work: Callable[[], T]) -> Iterator[tuple[uuid.UUID, T]]:
    """Run ``work()`` for each tenant with that tenant active; commit; yield ``(tenant_id, outcome)``."""
    for tenant_id in tenant_ids():
        with tenancy.scope(tenant_id):
            try:
                outcome = work()
                transactions.commit()
            except BaseException:
                transactions.rollback()
                raise
        yield tenant_id, outcome
