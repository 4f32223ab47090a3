"""Shared marshmallow fields."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

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


#: Characters a URL may not contain: controls, spaces and Unicode white space, spelled out so
#: that Python and the ECMA regular expressions of the OpenAPI document agree exactly.
SPACE_CHARS = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Text with at least one visible character and no NUL anywhere.
NOT_BLANK_PATTERN = rf"^[^\x00]*[^{SPACE_CHARS}][^\x00]*$"
HTTP_URL_PATTERN = rf"^https?://[^{SPACE_CHARS}/?#]+\.[^{SPACE_CHARS}/?#]+(?:[/?#][^{SPACE_CHARS}]*)?$"


def http_url(description: str) -> ma.fields.String:
    """An optional http(s) URL, validated by the same pattern the OpenAPI document shows."""
    return ma.fields.String(
        validate=[validate.Length(max=500), validate.Regexp(HTTP_URL_PATTERN, error="Not an http(s) URL.")],
        allow_none=True,
        metadata={"description": description, "pattern": HTTP_URL_PATTERN},
    )


_VISIBLE = re.compile(rf"[^{SPACE_CHARS}]")


def not_blank(what: str):
    """Validator matching NOT_BLANK_PATTERN in linear time (no backtracking on long text)."""

    def check(value: str) -> None:
        if "\x00" in value or not _VISIBLE.search(value):
            raise ma.ValidationError(f"The {what} must not be blank.")

    return check
