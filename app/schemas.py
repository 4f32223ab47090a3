"""Shared marshmallow fields."""

from __future__ import annotations

import re
from datetime import date, datetime

import marshmallow as ma
from marshmallow import validate

from app import clock


class UTCDateTimeField(ma.fields.DateTime):
    """Serialises as ISO 8601 UTC with ``Z``: the type of the times the API answers with.

    Times the API accepts are :class:`BoundedDateTime` (a subclass), which also documents and
    enforces the accepted years.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        return clock.isoformat(value)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise self.make_error("invalid", input=value, obj_type="timezone-aware datetime")
        return parsed


#: The years a date or time the API accepts may name, inclusive, as written (before any
#: conversion to UTC): far enough for any programme, and safe for date arithmetic and storage.
MIN_YEAR, MAX_YEAR = 2000, 2100
_YEAR = "(?:20[0-9]{2}|2100)"
_DATE = _YEAR + "-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]{1,6})?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
#: An accepted date (``2030-01-31``), as the OpenAPI document shows and the API enforces.
DATE_PATTERN = f"^{_DATE}$"
#: An accepted time: ISO 8601 with seconds and a UTC offset (``2030-01-31T09:00:00Z``).
DATETIME_PATTERN = f"^{_DATE}T{_TIME}{_OFFSET}$"
DATETIME_RE = re.compile(DATETIME_PATTERN)
DATE_RE = re.compile(DATE_PATTERN)
_RANGE_TEXT = f"Years {MIN_YEAR} to {MAX_YEAR} only."


class _Bounded:
    """What :class:`BoundedDateTime` and :class:`BoundedDate` share: one pattern, documented in
    OpenAPI (``pattern``, ``x-minimum``/``x-maximum`` and the description) and enforced on input,
    so a year such as 0001 or 9999 answers 422 naming the field instead of overflowing later."""

    PATTERN: re.Pattern[str]
    EXAMPLE: str
    default_error_messages = {
        "out_of_range": f"Out of range: use a date in the years {MIN_YEAR} to {MAX_YEAR}.",
        "shape": "Not a valid {obj_type}: use ISO 8601 like {example}.",
    }

    def __init__(self, *args, metadata=None, **kwargs):
        metadata = dict(metadata or {})
        description = metadata.get("description", "").strip()
        metadata["description"] = f"{description} {_RANGE_TEXT}".strip()
        metadata.setdefault("pattern", self.PATTERN.pattern)
        metadata.setdefault("example", self.EXAMPLE)
        # No JSON Schema keyword bounds a date string: extensions say it for readers and tools.
        metadata.setdefault("x-minimum", f"{MIN_YEAR}-01-01")
        metadata.setdefault("x-maximum", f"{MAX_YEAR}-12-31")
        super().__init__(*args, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not self.PATTERN.fullmatch(value):
            try:
                parsed = self._parse(value)
            except ValueError:
                parsed = None
            if parsed is not None and not MIN_YEAR <= parsed.year <= MAX_YEAR:
                raise self.make_error("out_of_range")
            raise self.make_error("shape", obj_type=self.OBJ_TYPE, example=self.EXAMPLE)
        return super()._deserialize(value, attr, data, **kwargs)


class BoundedDateTime(_Bounded, UTCDateTimeField):
    """A time the API accepts: ISO 8601 with seconds and an offset, years 2000 to 2100 as written."""

    PATTERN = DATETIME_RE
    EXAMPLE = "2030-01-31T09:00:00Z"

    @staticmethod
    def _parse(value: str) -> datetime:
        return datetime.fromisoformat(value)


class BoundedDate(_Bounded, ma.fields.Date):
    """A date the API accepts (``2030-01-31``), years 2000 to 2100."""

    PATTERN = DATE_RE
    EXAMPLE = "2030-01-31"

    @staticmethod
    def _parse(value: str) -> date:
        return date.fromisoformat(value)


class JobSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Job id."})
    kind = ma.fields.String(metadata={"description": "What the job does, e.g. `members.import`."})
    status = ma.fields.String(metadata={"description": "`queued`, `started`, `finished` or `failed`."})
    progress = ma.fields.Integer(metadata={"description": "Percent done."})
    result = ma.fields.Dict(allow_none=True, metadata={"description": "Outcome when finished."})
    error = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Why it failed: the last error, also while a retry is pending (`queued`) "
            "or after a worker stopped mid-run and the job was resumed."
        },
    )
    attempts = ma.fields.Integer(
        metadata={
            "description": "How often the job has started. A job that fails (or whose worker stops) is "
            "retried until it has used the deployment's bound on attempts (`JOB_RETRY_INTERVALS`, "
            "4 by default); then it ends `failed` with its `error`."
        }
    )
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


#: The characters SPACE_CHARS names, for ``str.strip``: trimming and the documented
#: NOT_BLANK_PATTERN agree on what white space is.
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if re.fullmatch(f"[{SPACE_CHARS}]", ch))


class TrimmedString(ma.fields.String):
    """Text with leading and trailing white space (and control characters) removed.

    Validators (``Length``) see the text as sent, so the documented ``maxLength`` holds. Text that
    is blank after trimming is rejected (422; documented with NOT_BLANK_PATTERN), or, with
    ``blank_as_none=True`` on an optional field (``allow_none`` implied), stored as null; the
    description then says so.
    """

    default_error_messages = {"blank": "Must not be blank (white space only)."}

    def __init__(self, *args, blank_as_none: bool = False, metadata=None, **kwargs):
        metadata = dict(metadata or {})
        self.blank_as_none = blank_as_none
        if blank_as_none:
            kwargs["allow_none"] = True
            description = metadata.get("description", "").strip()
            metadata["description"] = f"{description} Trimmed; blank text means none (null).".strip()
        else:
            metadata.setdefault("pattern", NOT_BLANK_PATTERN)
        super().__init__(*args, metadata=metadata, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        output = super().deserialize(value, attr, data, **kwargs)
        if not isinstance(output, str):
            return output
        output = output.strip(_SPACES)
        if output:
            return output
        if self.blank_as_none:
            return None
        raise self.make_error("blank")
