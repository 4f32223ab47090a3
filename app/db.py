"""Database: declarative base, column types, the session and the tenant filter.

The schema is owned by Alembic (``migrations/``); nothing here creates tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, ForeignKeyConstraint, Table, Uuid, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    ORMExecuteState,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.orm.context import FromStatement
from sqlalchemy.sql.expression import Alias, ClauseElement, ColumnClause, UpdateBase
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


_owned_tables: dict[Table, Mapper] | None = None


@event.listens_for(Base, "after_mapper_constructed", propagate=True)
def _forget_owned_tables(mapper: Mapper, class_) -> None:
    global _owned_tables
    _owned_tables = None


def _tenant_owned_tables() -> dict[Table, Mapper]:
    """The tables of the tenant-owned models, with their mappers (rebuilt when a model is mapped).

    Asked on every statement: ``registry.mappers`` builds a set of every mapper on each call.
    """
    global _owned_tables
    if _owned_tables is None:
        _owned_tables = {m.local_table: m for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}
    return _owned_tables


def _walk(statement) -> Iterator:
    """The statement's elements down to tables and columns (not into a table's columns).

    ``visitors.iterate`` also walks every column of every table it meets, three times the work
    on each statement; the tables are all that is looked for here.
    """
    stack, seen = [statement], set()
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        if not isinstance(element, Table | ColumnClause):
            stack.extend(element.get_children())


def _table_of(element) -> Table | None:
    """The table a table, an alias of one, or a column of either stands for."""
    if isinstance(element, ColumnClause):
        element = element.table
    while isinstance(element, Alias):
        element = element.element
    return element if isinstance(element, Table) else None


def _touches_tenant_owned(statement) -> bool:
    """Does any table in the statement (FROM, subqueries, joins, DML target) belong to a tenant?"""
    owned = _tenant_owned_tables()
    return any(_table_of(element) in owned for element in _walk(statement))


#: The explicit opt-out of the Core statement guard, for a statement whose WHERE names
#: ``tenant_id`` itself: ``.execution_options(tenant_filtered_by_hand=True)``, with a comment why.
FILTERED_BY_HAND = "tenant_filtered_by_hand"


def _is_orm_statement(statement) -> bool:
    """Does the statement carry ORM entities (``select(Model)``, ``update(Model)``, ``Model.column``)?"""
    return statement._propagate_attrs.get("compile_state_plugin") == "orm"


def _bare_tenant_tables(statement) -> set[Table]:
    """Tenant-owned tables that no ORM criteria reach: named as ``Model.__table__``, not ``Model``.

    A Core statement (no ORM entity anywhere) gets no criteria at all: each tenant-owned table in
    it is bare. In an ORM statement the criteria go to every entity; bare are the tables written
    only through the ``Table`` (``Model.__table__.c.x`` carries no ORM annotation, ``Model.x``
    does) and an UPDATE or DELETE whose target is the ``Table``. A table that is also an entity
    of the statement counts as filtered (the ORM writes the bare primary key of its own entity
    in ``session.get``), so a Core subquery on the same table inside an ORM statement is not
    caught here; RLS still is on PostgreSQL. ``select(Model).from_statement(inner)`` adds no
    criteria of its own: ``inner`` counts.
    """
    owned = _tenant_owned_tables()
    if isinstance(statement, FromStatement):
        return _bare_tenant_tables(statement.element)
    if not _is_orm_statement(statement):
        return {table for table in map(_table_of, _walk(statement)) if table in owned}
    bare: set[Table] = set()
    entities: set[Table] = set()
    tables: set[Table] = set()
    for element in _walk(statement):
        if isinstance(element, FromStatement):
            bare |= _bare_tenant_tables(element)
        elif isinstance(element, UpdateBase):
            if _table_of(element.table) in owned and "parententity" not in element.table._annotations:
                bare.add(_table_of(element.table))  # update(Model.__table__).where(Model.x == ...)
        elif isinstance(element, Table | ColumnClause):
            table = _table_of(element)
            if table in owned:
                # ORM tables and columns carry their entity (``parententity``); the bare table, a
                # column of it, or of its alias, carries none
                (entities if "parententity" in element._annotations else tables).add(table)
    return bare | (tables - entities)


def _guard_core_statement(connection, clauseelement, multiparams, params, execution_options) -> None:
    """Refuse a SELECT, UPDATE or DELETE that names a tenant-owned table where no tenant filter reaches.

    Runs on the app's engine for every statement: through the session (Core and ORM) or on a
    connection. A statement passes when every tenant-owned table in it is an ORM entity (the
    criteria of :func:`_add_tenant_criteria` apply), inside :func:`tenancy.unscoped`, marked with
    :data:`FILTERED_BY_HAND`, or when the ORM's unit of work writes rows by primary key (flush:
    the rows were loaded, or stamped, in the tenant).
    """
    if not isinstance(clauseelement, ClauseElement) or tenancy.is_unscoped():
        return
    statement = clauseelement
    if getattr(statement, "is_insert", False):
        statement = statement.select  # INSERT ... FROM SELECT reads; plain inserts are stamped
        if statement is None:
            return
    elif not (getattr(statement, "is_select", False) or getattr(statement, "is_dml", False)):
        return
    if (
        execution_options.get(FILTERED_BY_HAND)
        or clauseelement.get_execution_options().get(FILTERED_BY_HAND)
        or connection.get_execution_options().get(FILTERED_BY_HAND)
    ):
        return
    bare = _bare_tenant_tables(statement)
    if not bare:
        return
    owned = _tenant_owned_tables()
    cache = execution_options.get("compiled_cache")
    if cache is not None and all(cache is owned[table].base_mapper._compiled_cache for table in bare):
        return  # the unit of work (flush, bulk by primary key): rows it loaded or stamped itself
    names = ", ".join(sorted(table.name for table in bare))
    raise tenancy.UnfilteredTenantStatement(
        f"a Core statement on the tenant-owned table(s) {names} is not filtered by tenant: use the ORM "
        f"entity (select(Model), update(Model)), or filter tenant_id by hand and mark the statement "
        f".execution_options({FILTERED_BY_HAND}=True), or run cross-tenant work in tenancy.unscoped()"
    )


@event.listens_for(TenantSession, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement already carried the criteria (propagated to loaders)
    if state.is_insert:
        _stamp_insert_parameters(state)
        return
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
    """A new transaction starts with both settings empty (they are only ever set for one
    transaction), so without a tenant or credential there is nothing to write: one round trip
    less for every transaction that starts before the tenant is known, such as authentication."""
    if connection.dialect.name != "postgresql":
        return
    if tenancy.current() is not None or tenancy.credential_hash() is not None:
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
            self.engine = make_engine(
                url,
                connect_timeout=app.config.get("DATABASE_CONNECT_TIMEOUT", 3),
                pool_timeout=app.config.get("DATABASE_POOL_TIMEOUT", 10.0),
            )
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


def make_engine(url: str, *, connect_timeout: int = 3, pool_timeout: float = 10.0) -> Engine:
    """The engine for ``url``; a database that does not answer fails a request instead of holding it.

    On PostgreSQL, connecting gives up after ``connect_timeout`` seconds and waiting for a free pooled
    connection after ``pool_timeout``; the API answers both 503 (``app.api.DATABASE_UNAVAILABLE``).
    SQLite (a local file) keeps its defaults.
    """
    engine = _make_engine(url, connect_timeout, pool_timeout)
    event.listen(engine, "before_execute", _guard_core_statement)
    return engine


def _make_engine(url: str, connect_timeout: int, pool_timeout: float) -> Engine:
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
        pool_timeout=pool_timeout,
        connect_args={"options": "-c plan_cache_mode=force_custom_plan", "connect_timeout": connect_timeout},
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


def _stamp_row(row: Mapping) -> Mapping:
    """The row with ``tenant_id`` set to the current tenant; a row naming another tenant is refused.

    The same rule as the flush (:func:`_stamp_tenant`): with no tenant set the insert is refused
    unless it runs inside :func:`tenancy.unscoped`, where each row must name its tenant.
    """
    if not isinstance(row, Mapping):
        raise TypeError("rows for a tenant-owned table are given as mappings (column name -> value)")
    key = next((k for k in row if getattr(k, "key", k) == "tenant_id"), None)
    current = tenancy.current()
    if key is None:
        if current is None:
            if tenancy.is_unscoped():
                raise tenancy.TenantContextMissing("an unscoped insert without a current tenant names tenant_id")
            tenancy.require()
        return {**row, "tenant_id": current}
    if tenancy.is_unscoped():
        return row
    given = row[key]
    if current is None:
        tenancy.require()
    if isinstance(given, str):
        given = uuid.UUID(given)
    if given != current:
        raise tenancy.TenantContextMissing("row belongs to another tenant than the current one")
    return row


class _TenantRows:
    """``values()`` stamps every row of a tenant-owned table with the current tenant."""

    inherit_cache = True

    def values(self, *args, **kwargs):
        if self.table in _tenant_owned_tables():
            if kwargs:
                kwargs = dict(_stamp_row(kwargs))
            elif len(args) == 1 and isinstance(args[0], Mapping):
                args = (_stamp_row(args[0]),)
            elif len(args) == 1 and isinstance(args[0], list | tuple):
                args = ([_stamp_row(row) for row in args[0]],)
        return super().values(*args, **kwargs)


class _PostgresInsert(_TenantRows, postgresql.Insert):
    inherit_cache = True


class _SqliteInsert(_TenantRows, sqlite.Insert):
    inherit_cache = True


def upsert_insert(table):
    """The one INSERT for Core (and ORM bulk) inserts: the dialect's, with ON CONFLICT support.

    ``table`` is a model or a ``Table``. Into a tenant-owned table every row gets ``tenant_id``
    from the current tenant, whether given to ``.values(...)`` (a dict or a list of dicts) or
    as the parameter list of ``session.execute(statement, rows)``; a row naming another tenant,
    or any row while no tenant is set (outside :func:`tenancy.unscoped`), is refused. Other
    INSERT constructs on tenant-owned tables are refused by the session.
    """
    dialect = db.session.get_bind().dialect.name
    return (_PostgresInsert if dialect == "postgresql" else _SqliteInsert)(table)


def _stamp_insert_parameters(state: ORMExecuteState) -> None:
    """Session side of :func:`upsert_insert`: stamp the executemany rows, refuse other inserts."""
    table = getattr(state.statement, "table", None)
    if table is None or table not in _tenant_owned_tables():
        return
    if not isinstance(state.statement, _TenantRows):
        raise tenancy.UnfilteredTenantStatement(
            f"an INSERT into the tenant-owned table {table.name} is built with app.db.upsert_insert, "
            "which stamps tenant_id (the unit of work stamps added objects)"
        )
    parameters = state.parameters
    if isinstance(parameters, list):
        state.parameters = [_stamp_row(row) for row in parameters]
    elif parameters:
        state.parameters = _stamp_row(parameters)


db = Database()
