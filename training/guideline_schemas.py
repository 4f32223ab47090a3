"""Schemas for guideline versions, acknowledgements and the acknowledgement report."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import NOT_BLANK_PATTERN, UTCDateTimeField, not_blank
from tenants.schemas import LOCALES
from training.guidelines import MAX_LENGTHS
from training.templates import GUIDELINE_TEMPLATES

#: Not only whitespace (``match`` anchors at the start, as the documented pattern searches).
MAX_PLACEHOLDERS = 50


def _at_most_placeholders(values: dict) -> None:
    if len(values) > MAX_PLACEHOLDERS:
        raise ma.ValidationError(f"At most {MAX_PLACEHOLDERS} placeholders.")


class GuidelineCreateSchema(ma.Schema):
    title = ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_LENGTHS["title"]), not_blank("title")],
        metadata={
            "pattern": NOT_BLANK_PATTERN,
            "description": "Title; required unless `template_key` is given (then it replaces the template's).",
        },
    )
    body = ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_LENGTHS["body"]), not_blank("body")],
        metadata={
            "pattern": NOT_BLANK_PATTERN,
            "description": "The guideline text in Markdown (up to 100,000 characters); required unless `template_key` is given.",
        },
    )
    locale = ma.fields.String(
        validate=validate.OneOf(LOCALES),
        metadata={"description": "Language of the text (de, en); required unless `template_key` is given."},
    )
    template_key = ma.fields.String(
        validate=validate.OneOf(sorted(GUIDELINE_TEMPLATES)),
        metadata={
            "description": "Publish a starter guideline (see GET /guidelines/templates) instead of your own text."
        },
    )
    placeholders = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(min=1, max=60)),
        values=ma.fields.String(validate=validate.Length(min=1, max=500)),
        validate=_at_most_placeholders,
        metadata={
            "description": 'With `template_key`: a value for every `{Placeholder}` of the template, by name, e.g. `{"Unternehmen": "MedTech Nord GmbH"}`.',
            "maxProperties": MAX_PLACEHOLDERS,
        },
    )

    @ma.validates_schema
    def _own_text_or_template(self, data, **kwargs):
        if data.get("template_key"):
            errors = {
                field: ["The template supplies this; leave out template_key to publish your own text."]
                for field in ("body", "locale")
                if field in data
            }
        else:
            errors = {
                field: ["Missing data for required field."]
                for field in ("title", "body", "locale")
                if field not in data
            }
            if "placeholders" in data:
                errors["placeholders"] = ["Only together with template_key."]
        if errors:
            raise ma.ValidationError(errors)


class GuidelineSummarySchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Id of this version."})
    version = ma.fields.Integer(metadata={"description": "Version number (1, 2, ...); the highest is current."})
    title = ma.fields.String(metadata={"description": "Title."})
    locale = ma.fields.String(metadata={"description": "Language (de, en)."})
    current = ma.fields.Boolean(metadata={"description": "This is the version members must acknowledge."})
    published_at = UTCDateTimeField(metadata={"description": "When it was published."})


class GuidelineSchema(GuidelineSummarySchema):
    body = ma.fields.String(metadata={"description": "The guideline text (Markdown)."})
    acknowledged_at = UTCDateTimeField(
        allow_none=True, metadata={"description": "When the caller acknowledged this version (null: not yet)."}
    )


class AcknowledgementSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Acknowledgement id."})
    guideline_id = ma.fields.UUID(metadata={"description": "The guideline version acknowledged."})
    member_id = ma.fields.UUID(metadata={"description": "The member who acknowledged it."})
    version = ma.fields.Integer(metadata={"description": "Its version number."})
    created_at = UTCDateTimeField(metadata={"description": "When it was acknowledged."})


class ReportArgsSchema(ma.Schema):
    department = ma.fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Only members of this department."}
    )


class ReportMemberSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Member id."})
    name = ma.fields.String(metadata={"description": "Name."})
    department = ma.fields.String(allow_none=True, metadata={"description": "Department."})


class AcknowledgedEntrySchema(ma.Schema):
    member = ma.fields.Nested(ReportMemberSchema, metadata={"description": "Who acknowledged."})
    acknowledged_at = UTCDateTimeField(metadata={"description": "When."})


class PendingEntrySchema(ma.Schema):
    member = ma.fields.Nested(ReportMemberSchema, metadata={"description": "Who has not acknowledged yet."})


class ReportCountsSchema(ma.Schema):
    acknowledged = ma.fields.Integer(metadata={"description": "Active members who acknowledged."})
    pending = ma.fields.Integer(metadata={"description": "Active members who have not yet."})


class AcknowledgementReportSchema(ma.Schema):
    guideline_id = ma.fields.UUID(metadata={"description": "The guideline version reported on."})
    version = ma.fields.Integer(metadata={"description": "Its version number."})
    current = ma.fields.Boolean(metadata={"description": "Whether it is the current version."})
    acknowledged = ma.fields.List(
        ma.fields.Nested(AcknowledgedEntrySchema),
        metadata={"description": "Active members who acknowledged it, earliest first."},
    )
    pending = ma.fields.List(
        ma.fields.Nested(PendingEntrySchema), metadata={"description": "Active members who have not, by name."}
    )
    counts = ma.fields.Nested(ReportCountsSchema, metadata={"description": "Totals of both lists."})


class GuidelineTemplateSchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "Template key (publish with `template_key`)."})
    title = ma.fields.String(metadata={"description": "Title (with placeholders)."})
    locale = ma.fields.String(metadata={"description": "Language (de, en)."})
    placeholders = ma.fields.List(
        ma.fields.String(), metadata={"description": "Placeholder names to fill in via `placeholders`."}
    )
