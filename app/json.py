"""JSON encoding for values that reach the response without a schema (dicts in audit rows,
exports): datetimes as ISO 8601 UTC with ``Z``, UUIDs as strings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask.json.provider import DefaultJSONProvider

from app import clock


class ApiJSONProvider(DefaultJSONProvider):
    sort_keys = False

    @staticmethod
    def default(value):
        if isinstance(value, datetime):
            return clock.isoformat(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        return DefaultJSONProvider.default(value)
