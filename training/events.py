"""The events training emits (the catalogue: ``app.events``).

Version history:

- ``training.guideline_acknowledged`` 2: adds ``published_at`` (the version's publication), so
  listeners judge "acknowledged within a week" without reading the guideline. Events emitted
  before lack it; gamification then falls back on ``days_after_publication``.
"""

from __future__ import annotations

from app import events

MODULE_PASSED = events.declare(
    "training.module_passed",
    version=1,
    fields={
        "member_id": "the member who passed",
        "module_id": "the module version passed",
        "lineage_id": "the module across its versions",
        "version": "the module's version number",
        "kind": "the module's kind",
        "required": "whether the module is required",
        "score": "the attempt's score, 0-100",
        "attempt_id": "the passing attempt",
    },
    doc="A member passed a module (each passing attempt). Gamification pays points and moves milestones.",
)

REQUIRED_MODULE_PUBLISHED = events.declare(
    "training.required_module_published",
    version=1,
    fields={
        "module_id": "the published version",
        "lineage_id": "the module across its versions",
        "version": "the module's version number",
    },
    doc=(
        "A required module was published for the first time, or a new version made it required. "
        "Training assigns it to every active member (members joining later get it on activation)."
    ),
)

GUIDELINE_PUBLISHED = events.declare(
    "training.guideline_published",
    version=1,
    fields={"guideline_id": "the new guideline version", "version": "its version number"},
    doc="A new guideline version was published; every member must acknowledge it anew.",
)

GUIDELINE_ACKNOWLEDGED = events.declare(
    "training.guideline_acknowledged",
    version=2,
    fields={
        "member_id": "the member who acknowledged",
        "guideline_id": "the guideline version acknowledged",
        "version": "its version number",
        "acknowledged_at": "when (ISO 8601, UTC)",
        "days_after_publication": "whole days between publication and acknowledgement",
        "published_at": "when the version was published (ISO 8601, UTC); since version 2",
    },
    doc="A member acknowledged the current guideline (once per version). Gamification pays points.",
)
