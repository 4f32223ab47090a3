"""Database: declarative base, column types, the session and the tenant filter.

The schema is owned by Alembic (``migrations/``); nothing here creates tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, ForeignKeyConstraint, Table, Uuid, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors
from sqlalchemy.types import TypeDecorator

from app import clock, tenancy


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use app.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        dict[str, str]: JSON(),
        list[str]: JSON(),
        list[dict[str, Any]]: JSON(),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TenantOwned:
    """Marks a model as tenant-owned: filtered by the current tenant, protected by RLS.

    Parents declare ``UniqueConstraint("tenant_id", "id")`` and children reference them with
    composite foreign keys ``(tenant_id, parent_id)``, so no row can point into another tenant.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def tenant_fk(column: str, table: str) -> ForeignKeyConstraint:
    """Composite key ``(tenant_id, column)`` into ``table``: a row can never point into another tenant."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete="CASCADE")


class TenantSession(Session):
    """A session that runs every ORM statement inside the current tenant."""


_owned_tables: tuple[int, frozenset[Table]] = (-1, frozenset())


def _tenant_owned_tables() -> frozenset[Table]:
    global _owned_tables
    mappers = Base.registry.mappers
    if _owned_tables[0] != len(mappers):
        tables = frozenset(m.local_table for m in mappers if issubclass(m.class_, TenantOwned))
        _owned_tables = (len(mappers), tables)
    return _owned_tables[1]


def _touches_tenant_owned(statement) -> bool:
    """Does any table in the statement (FROM, subqueries, joins, DML target) belong to a tenant?"""
    owned = _tenant_owned_tables()
    return any(isinstance(element, Table) and element in owned for element in visitors.iterate(statement))


@event.listens_for(TenantSession, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement already carried the criteria (propagated to loaders)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if tenancy.is_unscoped() or not _touches_tenant_owned(state.statement):
        return
    tenant_id = tenancy.require()
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    """New tenant-owned rows get the current tenant; a row for another tenant is refused."""
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        current = tenancy.current()
        if obj.tenant_id is None:
            obj.tenant_id = tenancy.require()
        elif current is not None and obj.tenant_id != current and not tenancy.is_unscoped():
            raise tenancy.TenantContextMissing("row belongs to another tenant than the current one")


@event.listens_for(TenantSession, "after_begin")
def _set_rls_tenant(session: Session, transaction, connection) -> None:
    if connection.dialect.name == "postgresql":
        _write_rls_settings(connection)


def _write_rls_settings(connection) -> None:
    tenant_id = tenancy.current()
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true), set_config('app.credential_hash', :credential, true)"),
        {"tenant": str(tenant_id) if tenant_id else "", "credential": tenancy.credential_hash() or ""},
    )


class Database:
    """Engine and thread-local session; configured by :meth:`init_app`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(class_=TenantSession, expire_on_commit=False))

    def init_app(self, app) -> None:
        url = app.config.get("APP_DATABASE_URL") or app_role_url(
            app.config["DATABASE_URL"],
            app.config.get("DATABASE_APP_ROLE"),
            app.config.get("DATABASE_APP_PASSWORD"),
        )
        if self.engine is None or str(self.engine.url) != url:
            if self.engine is not None:
                self.engine.dispose()
            self.engine = make_engine(url)
            self.session.remove()
            self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._teardown)

    def _teardown(self, exc: BaseException | None) -> None:
        self.session.remove()

    def apply_tenant_setting(self) -> None:
        """Re-apply the RLS settings inside an already open PostgreSQL transaction."""
        session = self.session()
        if self.engine is None or self.engine.dialect.name != "postgresql":
            return
        if session.in_transaction():
            _write_rls_settings(session.connection())


def app_role_url(owner_url: str, role: str | None, password: str | None) -> str:
    """The URL the API uses: on PostgreSQL the owner's URL with the application role."""
    url = make_url(owner_url)
    if url.get_backend_name() != "postgresql" or not role:
        return owner_url
    return url.set(username=role, password=password).render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # Prepared statements stay (parsed once), but each execution is planned with its values:
    # tenants differ in size, and a generic plan cannot tell a tenant of ten members from one of
    # fifty thousand. Bulk inserts opt into plan reuse with :func:`reusable_plans`.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
    )


@contextmanager
def reusable_plans(session: Session) -> Iterator[None]:
    """Let PostgreSQL reuse plans for the statements inside (bulk inserts), this transaction only.

    The engine plans every execution with its values (``force_custom_plan``). For an executemany
    INSERT that re-plans each row and the foreign-key checks it fires (a lookup per referenced
    table), roughly doubling the cost of a row. Those lookups are equalities on unique keys and
    their plans do not depend on the values, provided the statistics of the referenced table are
    current: a bulk load into a table that grows by multiples keeps them current itself (see
    ``tenants.imports``), or a plan made for the small table (a scan of the tenant) stays in use.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = session.execute(
        text("SELECT current_setting('plan_cache_mode'), set_config('plan_cache_mode', 'auto', true)")
    ).scalar()
    yield
    # Not restored after an error: the transaction is rolled back, which ends the setting too.
    session.execute(text("SELECT set_config('plan_cache_mode', :mode, true)"), {"mode": previous})


def transaction_cache() -> dict:
    """A dict that lives as long as the session's current transaction.

    For lookups repeated on hot paths (the tenant row, point rules): a new transaction, in a
    request, a job or a CLI loop, starts empty, so nothing read here outlives what it was read in.
    """
    session = db.session()
    transaction = session.get_transaction()
    holder = session.info.get("transaction_cache")
    if holder is None or holder[0] is not transaction:
        holder = (transaction, {})
        session.info["transaction_cache"] = holder
    return holder[1]


def upsert_insert(table):
    """The dialect's INSERT with ON CONFLICT support (PostgreSQL or SQLite) for the session's database."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


db = Database()
