"""HTTP routes of the archive: the entries (cursor), verification and the JSON Lines export."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask.views import MethodView

from app.api import make_blueprint
from app.auth import require_scope
from engagement.archive import services
from engagement.archive.schemas import (
    ArchiveArgsSchema,
    ArchiveEntrySchema,
    ArchivePageSchema,
    ExportArgsSchema,
    VerifySchema,
)

NDJSON = "application/x-ndjson"

archive_blp = make_blueprint(
    "archive",
    __name__,
    "The tamper-evident archive: every post version, decision and publication in a per-tenant hash chain.",
)


@archive_blp.route("/archive")
class Archive(MethodView):
    @require_scope("archive:read")
    @archive_blp.arguments(ArchiveArgsSchema, location="query")
    @archive_blp.response(200, ArchivePageSchema)
    def get(self, args):
        """Archive entries, newest first, with an opaque cursor (owner, admin, approver)."""
        return services.page(args["cursor"], args["limit"], args["kind"], args["subject_id"])


@archive_blp.route("/archive/verify")
class ArchiveVerify(MethodView):
    @require_scope("archive:read")
    @archive_blp.response(200, VerifySchema)
    def get(self):
        """Recompute the hash chain and name the first altered, missing or reordered entry (audited).

        Reads every retained entry in batches. Entries deleted by retention are anchored and
        do not count as missing; redacted (pseudonymised) entries are checked by their links.
        """
        return services.verify()


@archive_blp.route("/archive/export")
class ArchiveExport(MethodView):
    @require_scope("archive:read")
    @archive_blp.arguments(ExportArgsSchema, location="query")
    @archive_blp.response(
        200,
        ArchiveEntrySchema,
        content_type=NDJSON,
        description="One entry per line (JSON Lines, in chain order), with tenant_id, streamed.",
    )
    def get(self, args):
        """Stream the archive as JSON Lines for a regulator or an external archiver (audited).

        Every line holds what is needed to re-verify the chain: its payload, the payload hash,
        the previous and its own entry hash. `since`/`until` narrow it to a time range.
        """
        lines = services.export(args["since"], args["until"])
        return Response(stream_with_context(lines), mimetype=NDJSON)
