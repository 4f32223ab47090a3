"""List pagination: numbered pages for collections, opaque cursors for append-only streams.

Numbered pages use flask-smorest's ``@blp.paginate(SelectPage)`` (``page``/``page_size`` in,
``X-Pagination`` header out). Streams (audit log, archive, ledger) are read newest first with
an opaque ``cursor`` that encodes the position of the last item returned, so new entries never
shift what a client already paged through.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

import marshmallow as ma
from flask_smorest import abort
from flask_smorest.pagination import Page
from sqlalchemy import Select, and_, func, or_, select

from app import clock
from app.db import db


class SelectPage(Page):
    """Pages through a SQLAlchemy ``select()`` with COUNT + LIMIT/OFFSET."""

    @property
    def items(self):
        params = self.page_params
        statement = self.collection.limit(params.page_size).offset(params.first_item)
        return list(db.session.scalars(statement))

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.order_by(None).subquery()))


class CursorArgsSchema(ma.Schema):
    cursor = ma.fields.String(
        load_default=None, metadata={"description": "Opaque position returned as `next_cursor`."}
    )
    limit = ma.fields.Integer(
        load_default=50,
        validate=ma.validate.Range(min=1, max=200),
        metadata={"description": "Items per page (1-200)."},
    )


def encode_cursor(created_at: datetime, item_id: uuid.UUID) -> str:
    raw = json.dumps([clock.isoformat(created_at), str(item_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, item_id = json.loads(raw)
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")), uuid.UUID(item_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        abort(422, errors={"query": {"cursor": ["Not a valid cursor."]}})


def cursor_page(statement: Select, model, cursor: str | None, limit: int) -> dict:
    """Newest-first page of ``statement`` (over ``model`` with created_at and id)."""
    if cursor:
        stamp, item_id = decode_cursor(cursor)
        statement = statement.where(
            or_(model.created_at < stamp, and_(model.created_at == stamp, model.id < item_id))
        )
    rows = list(db.session.scalars(statement.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].created_at, rows[-1].id) if more else None}


class CursorPageSchema(ma.Schema):
    next_cursor = ma.fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null at the end."}
    )
