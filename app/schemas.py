"""Shared marshmallow fields."""

from __future__ import annotations

import marshmallow as ma

from app import clock


class UTCDateTimeField(ma.fields.DateTime):
    """Serialises as ISO 8601 UTC with ``Z``; accepts any offset and converts to UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return clock.isoformat(value)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise self.make_error("invalid", input=value, obj_type="timezone-aware datetime")
        return parsed


class JobSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Job id."})
    kind = ma.fields.String(metadata={"description": "What the job does, e.g. `members.import`."})
    status = ma.fields.String(metadata={"description": "`queued`, `started`, `finished` or `failed`."})
    progress = ma.fields.Integer(metadata={"description": "Percent done."})
    result = ma.fields.Dict(allow_none=True, metadata={"description": "Outcome when finished."})
    error = ma.fields.String(allow_none=True, metadata={"description": "Why it failed."})
    created_at = UTCDateTimeField(metadata={"description": "When it was submitted."})
    finished_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it ended."})


class StrictBoolean(ma.fields.Boolean):
    """A JSON boolean only: ``0``, ``1`` and ``"yes"`` are rejected instead of coerced."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def body_integer(**kwargs) -> ma.fields.Integer:
    """An integer in a JSON body: ``2.5`` and ``"3"`` are rejected instead of truncated."""
    return ma.fields.Integer(strict=True, **kwargs)
