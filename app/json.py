"""JSON encoding for values that reach the response without a schema (dicts in audit rows,
exports): datetimes as ISO 8601 UTC with ``Z``, UUIDs as strings.

:func:`default` is the one conversion: the API's JSON provider uses it, and so does anything
else that turns such values into JSON by hand (the audit log's before/after).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from flask.json.provider import DefaultJSONProvider

from app import clock


def default(value: Any) -> Any:
    """The JSON form of a value ``json`` cannot encode itself (a ``default=`` for ``json.dumps``).

    Datetimes as ISO 8601 UTC with ``Z``, dates as ISO 8601, UUIDs as strings; the rest as
    Flask encodes it (decimals as strings, dataclasses as dicts), else ``TypeError``.
    """
    if isinstance(value, datetime):
        return clock.isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return DefaultJSONProvider.default(value)


class ApiJSONProvider(DefaultJSONProvider):
    sort_keys = False
    default = staticmethod(default)
