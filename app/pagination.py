"""List pagination: numbered pages for collections, opaque cursors for append-only streams.

Numbered pages use flask-smorest's ``@blp.paginate(SelectPage)`` (``page``/``page_size`` in,
``X-Pagination`` header out). Streams (audit log, archive, ledger) are read newest first with
an opaque ``cursor`` that encodes the position of the last item returned, so new entries never
shift what a client already paged through.

A cursor is opaque to clients but has a documented shape (``CURSOR_PATTERN``), and every string
of that shape is a position: a well-formed cursor always pages, anything else answers 422.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask_smorest import abort
from flask_smorest.pagination import Page
from sqlalchemy import Select, and_, func, or_, select

from app.db import db


class SelectPage(Page):
    """Pages through a SQLAlchemy ``select(Model)`` with COUNT + LIMIT/OFFSET.

    Deep pages stay cheap with a deferred join: the offset walks the narrow ``id`` column
    (an index-only scan on the ordering index), then only the page's rows are loaded.
    """

    @property
    def _entity(self):
        return self.collection.column_descriptions[0]["entity"]

    @property
    def items(self):
        params = self.page_params
        if params.first_item >= params.item_count:
            return []  # past the end (also keeps absurd page numbers away from the database)
        entity = self._entity
        ids = list(
            db.session.scalars(
                self.collection.with_only_columns(entity.id).limit(params.page_size).offset(params.first_item)
            )
        )
        if not ids:
            return []
        rows = {row.id: row for row in db.session.scalars(select(entity).where(entity.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]

    @property
    def item_count(self):
        narrow = self.collection.order_by(None).with_only_columns(self._entity.id)
        return db.session.scalar(select(func.count()).select_from(narrow.subquery()))


#: Microseconds since the epoch of the last item's ``created_at``, a hyphen, its id in hex.
CURSOR_PATTERN = r"^[0-9]{1,17}-[0-9a-f]{32}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class CursorArgsSchema(ma.Schema):
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(CURSOR_PATTERN, error="Not a valid cursor."),
        metadata={"description": "Opaque position returned as `next_cursor`."},
    )
    limit = ma.fields.Integer(
        load_default=50,
        validate=ma.validate.Range(min=1, max=200),
        metadata={"description": "Items per page (1-200)."},
    )


def encode_cursor(created_at: datetime, item_id: uuid.UUID) -> str:
    return f"{(created_at - _EPOCH) // _MICROSECOND}-{item_id.hex}"


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        abort(422, errors={"query": {"cursor": ["Not a valid cursor."]}})
    micros, _, item_id = cursor.partition("-")
    return _EPOCH + int(micros) * _MICROSECOND, uuid.UUID(hex=item_id)


def cursor_page(statement: Select, model, cursor: str | None, limit: int) -> dict:
    """Newest-first page of ``statement`` (over ``model`` with created_at and id)."""
    if cursor:
        stamp, item_id = decode_cursor(cursor)
        statement = statement.where(or_(model.created_at < stamp, and_(model.created_at == stamp, model.id < item_id)))
    rows = list(db.session.scalars(statement.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].created_at, rows[-1].id) if more else None}


class CursorPageSchema(ma.Schema):
    next_cursor = ma.fields.String(
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null at the end.", "pattern": CURSOR_PATTERN},
    )
