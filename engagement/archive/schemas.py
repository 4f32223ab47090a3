"""Schemas of the archive: entries, the cursor page, the verification result, export filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.pagination import CursorArgsSchema, CursorPageSchema
from app.schemas import BoundedDateTime, UTCDateTimeField

HASH_PATTERN = "^[0-9a-f]{64}$"


def _hash(description: str) -> ma.fields.String:
    return ma.fields.String(metadata={"description": description, "pattern": HASH_PATTERN})


class ArchiveArgsSchema(CursorArgsSchema):
    kind = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "Only entries of this kind, e.g. `post.version`, `post.decision`, `post.published`."},
    )
    subject_id = ma.fields.UUID(
        load_default=None, metadata={"description": "Only entries about this subject (e.g. a post id)."}
    )


class ArchiveEntrySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Entry id."})
    seq = ma.fields.Integer(
        metadata={"description": "Position in the tenant's chain (1, 2, ...; gaps only below the retention anchor)."}
    )
    kind = ma.fields.String(
        metadata={
            "description": "What was archived: `post.version`, `post.submitted`, `post.decision`, `post.published`, `governance.mode_changed`, `archive.pruned`, `archive.redacted`, ..."
        }
    )
    subject_type = ma.fields.String(
        metadata={"description": "Type of the object the entry is about (`post`, `tenant`, `member`, `archive`)."}
    )
    subject_id = ma.fields.UUID(allow_none=True, metadata={"description": "Id of that object."})
    actor_member_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "Member who caused it (null: the system)."}
    )
    payload = ma.fields.Dict(
        metadata={"description": "The archived content (pseudonymised after an erasure, see `redacted_at`)."}
    )
    payload_hash = _hash("SHA-256 of the payload's canonical JSON, as recorded (kept when the payload is redacted).")
    prev_hash = _hash("Entry hash of the previous entry (the tenant's genesis hash for entry 1).")
    entry_hash = _hash("SHA-256 over the entry's fields, its payload hash and the previous hash.")
    recorded_at = UTCDateTimeField(metadata={"description": "When it was archived."})
    redacted_at = UTCDateTimeField(
        allow_none=True, metadata={"description": "When erasure pseudonymised the payload (null: original)."}
    )


class ArchivePageSchema(CursorPageSchema):
    items = ma.fields.List(ma.fields.Nested(ArchiveEntrySchema), metadata={"description": "Entries, newest first."})


class BadEntrySchema(ma.Schema):
    seq = ma.fields.Integer(
        metadata={"description": "Sequence number of the first entry that does not verify (or that is missing)."}
    )
    id = ma.fields.UUID(allow_none=True, metadata={"description": "Its id (null when the entry is missing)."})
    reason = ma.fields.String(
        metadata={"description": "E.g. `payload altered`, `entry altered`, `chain broken: entry missing or reordered`."}
    )


class VerifySchema(ma.Schema):
    ok = ma.fields.Boolean(metadata={"description": "Every retained entry verifies and none is missing."})
    entries = ma.fields.Integer(metadata={"description": "Entries read."})
    first_bad_entry = ma.fields.Nested(
        BadEntrySchema, metadata={"description": "Only when `ok` is false: the first entry that fails."}
    )
    head_seq = ma.fields.Integer(metadata={"description": "Sequence number of the newest entry."})
    head_hash = _hash("Entry hash of the newest entry; keep a copy elsewhere to detect a rewritten chain later.")
    pruned_through_seq = ma.fields.Integer(
        metadata={"description": "Entries up to this number were deleted by retention (0: none)."}
    )
    verified_at = UTCDateTimeField(metadata={"description": "When the check ran."})


class ExportArgsSchema(ma.Schema):
    since = BoundedDateTime(load_default=None, metadata={"description": "Only entries recorded at or after this time."})
    until = BoundedDateTime(load_default=None, metadata={"description": "Only entries recorded before this time."})
