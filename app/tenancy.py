"""The current tenant: resolved once per request from the credential, never from a body.

Isolation has two walls:

1. the ORM filter in :mod:`app.db` adds ``tenant_id = :current`` to every SELECT, UPDATE and
   DELETE of a tenant-owned model and refuses to run one when no tenant is set;
2. on PostgreSQL, row-level security policies compare ``tenant_id`` with the transaction
   setting ``app.tenant_id`` that :func:`activate` writes with ``set_config(..., true)``.

Cross-tenant work (the platform CLI, sweeps over all tenants) must say so with
:func:`unscoped`; it is visible in code review and in the logs.

Core statements (on ``Model.__table__`` rather than ``Model``) carry no ORM entity, so the ORM
filter cannot reach them. :mod:`app.db` therefore refuses (:class:`UnfilteredTenantStatement`)
a Core SELECT, UPDATE or DELETE that names a tenant-owned table, unless it is marked
``.execution_options(tenant_filtered_by_hand=True)`` (its WHERE names ``tenant_id`` itself) or
runs inside :func:`unscoped`. Inserts into tenant-owned tables go through
:func:`app.db.upsert_insert`, which stamps ``tenant_id`` with the current tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_tenant: ContextVar[uuid.UUID | None] = ContextVar("tenant", default=None)
_unscoped: ContextVar[bool] = ContextVar("unscoped", default=False)
_credential_hash: ContextVar[str | None] = ContextVar("credential_hash", default=None)


class TenantContextMissing(RuntimeError):
    """A tenant-owned table was queried with no tenant set (the filter fails closed)."""


class UnfilteredTenantStatement(TenantContextMissing):
    """A Core statement on a tenant-owned table that the ORM filter cannot reach, without opt-out."""


def current() -> uuid.UUID | None:
    return _tenant.get()


def require() -> uuid.UUID:
    tenant_id = _tenant.get()
    if tenant_id is None:
        raise TenantContextMissing("no tenant is set for this unit of work")
    return tenant_id


def is_unscoped() -> bool:
    return _unscoped.get()


def credential_hash() -> str | None:
    return _credential_hash.get()


def activate(tenant_id: uuid.UUID | None) -> None:
    """Make ``tenant_id`` the current tenant for the ORM filter and, on PostgreSQL, for RLS."""
    _tenant.set(tenant_id)
    from app.db import db

    db.apply_tenant_setting()


def adopt(tenant_id: uuid.UUID) -> None:
    """Make ``tenant_id`` current where the database transaction already holds its RLS setting
    (set by a statement such as ``cip_authenticate``): no extra round trip to write it again."""
    _tenant.set(tenant_id)


def reset() -> None:
    _tenant.set(None)
    _unscoped.set(False)
    _credential_hash.set(None)


@contextmanager
def scope(tenant_id: uuid.UUID):
    """Run a block as ``tenant_id`` and restore the previous tenant afterwards."""
    previous = _tenant.get()
    activate(tenant_id)
    try:
        yield
    finally:
        activate(previous)


@contextmanager
def unscoped():
    """Explicit opt-out of the ORM tenant filter for platform work (RLS still applies)."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


@contextmanager
def by_credential(secret_hash: str):
    """Let one lookup see the single row whose secret hash the caller presented.

    Used before the tenant is known (resolving a bearer token or an invitation): the RLS
    policies of credential tables admit a row when its hash equals ``app.credential_hash``.
    """
    token = _credential_hash.set(secret_hash)
    from app.db import db

    db.apply_tenant_setting()
    try:
        with unscoped():
            yield
    finally:
        _credential_hash.reset(token)
        db.apply_tenant_setting()


# The tenants package owns the list of tenants; platform commands of the shell (redispatching
# events, flushing the email outbox) walk it through this directory. Under row-level security
# the shell could not list tenants from its own tenant-owned tables.
_directory: Callable[[], list[uuid.UUID]] | None = None


def set_directory(list_tenants: Callable[[], list[uuid.UUID]]) -> None:
    global _directory
    _directory = list_tenants


def each_tenant() -> Iterator[uuid.UUID]:
    """Yield every tenant's id, with that tenant active (platform work)."""
    if _directory is None:
        raise RuntimeError("no tenant directory: create_app registers the tenants domain")
    for tenant_id in _directory():
        with scope(tenant_id):
            yield tenant_id
