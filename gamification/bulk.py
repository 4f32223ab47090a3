"""Many rows into one table in one short statement, for the batch forms of the event handlers.

An executemany INSERT with RETURNING (what the batch forms need: which rows were new, the
totals they moved) is sent by SQLAlchemy as multi-row VALUES: a statement thousands of
placeholders long, which psycopg parses anew on every call (it caches only short statements)
and PostgreSQL plans anew. On PostgreSQL the rows go instead as one array per column,
``INSERT ... SELECT unnest(:a), unnest(:b), ...``: one short statement whatever the row count,
parsed once and cached. Elsewhere (SQLite) it is the plain executemany.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Result

from app import tenancy
from app.db import db, upsert_insert


def insert(table: Table, rows: list[dict[str, Any]], configure) -> Result:
    """``configure(upsert_insert(table))`` (ON CONFLICT, RETURNING) executed for ``rows``, which
    all name the same columns; the current tenant's ``tenant_id`` is added."""
    statement = upsert_insert(table)
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(configure(statement), rows)
    columns = [table.c[name] for name in rows[0]]
    arrays = (
        func.unnest(bindparam(f"many_{c.key}", [row[c.key] for row in rows], type_=ARRAY(c.type))) for c in columns
    )
    source = select(literal(tenancy.require(), table.c.tenant_id.type), *arrays)
    return db.session.execute(configure(statement.from_select([table.c.tenant_id, *columns], source)))
