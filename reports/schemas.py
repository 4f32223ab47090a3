"""Query arguments and response bodies of the reports API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import BoundedDate, UTCDateTimeField
from reports import csv_output, people
from reports.periods import PERIODS


class ReportArgsSchema(ma.Schema):
    """The period (``from``/``to`` or ``period``/``date``, days in the tenant's time zone) and the format."""

    from_ = BoundedDate(
        data_key="from", metadata={"description": "First day of the range (with `to`; tenant's time zone)."}
    )
    to = BoundedDate(metadata={"description": "Last day of the range, included (with `from`)."})
    period = ma.fields.String(
        validate=validate.OneOf(PERIODS),
        metadata={
            "description": "A calendar unit around `date` (default `month`): ISO week from Monday, month, quarter, year."
        },
    )
    date = BoundedDate(metadata={"description": "A day in the wanted period (default: today in the tenant's zone)."})
    format = ma.fields.String(
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "`csv` for a spreadsheet (also chosen by `Accept: text/csv`); default `json`."},
    )
    dialect = ma.fields.String(
        validate=validate.OneOf(csv_output.DIALECTS),
        metadata={
            "description": "CSV dialect: `excel-de` (BOM, `;`, decimal comma; default for German tenants) "
            "or `rfc4180` (`,`, decimal point)."
        },
    )

    @ma.post_load
    def rename(self, data, **kwargs):
        if "from_" in data:
            data["from"] = data.pop("from_")
        return data


class GroupedReportArgsSchema(ReportArgsSchema):
    group_by = ma.fields.String(
        validate=validate.OneOf(people.GROUP_KEYS),
        metadata={"description": "Split by `department` or `location`; small groups are suppressed."},
    )


class PeriodSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from", metadata={"description": "First day, included."})
    to = ma.fields.Date(metadata={"description": "Last day, included."})


class SuppressedSchema(ma.Schema):
    groups = ma.fields.Integer(
        metadata={"description": "Groups left out (smaller than `min_group_size`, or hidden with one)."}
    )
    min_group_size = ma.fields.Integer(metadata={"description": "The tenant's smallest group a report shows."})


class FiguresSchema(ma.Schema):
    enrolled = ma.fields.Integer(metadata={"description": "Members who consented to take part, at the period's end."})
    active = ma.fields.Integer(metadata={"description": "Members who published a post or took a quiz in the period."})
    trained = ma.fields.Integer(metadata={"description": "Enrolled members who had passed every required module."})
    eligible = ma.fields.Integer(metadata={"description": "Members who could post under the tenant's policy."})
    posting = ma.fields.Integer(metadata={"description": "Members who published at least one post in the period."})
    posts = ma.fields.Integer(metadata={"description": "Posts published in the period."})
    shares = ma.fields.Integer(metadata={"description": "Of those, shares of content-library items."})
    clicks = ma.fields.Integer(
        metadata={"description": "Clicks on those posts (platform or tracking link, each once)."}
    )
    impressions = ma.fields.Integer(metadata={"description": "Impressions the platforms reported for those posts."})
    reach = ma.fields.Integer(metadata={"description": "Potential reach: the authors' followers per post."})
    emv = ma.fields.Integer(metadata={"description": "Earned media value in minor units of the tenant's currency."})


class OverviewSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, metadata={"description": "The period reported."})
    previous_period = ma.fields.Nested(PeriodSchema, metadata={"description": "The period compared with."})
    current = ma.fields.Nested(FiguresSchema, metadata={"description": "Figures of the period."})
    previous = ma.fields.Nested(FiguresSchema, metadata={"description": "The same figures for the previous period."})


class FunnelStepSchema(ma.Schema):
    key = ma.fields.String(metadata={"description": f"The step: {', '.join(people.STEPS)}."})
    count = ma.fields.Integer(metadata={"description": "Members who had reached the step at the period's end."})
    rate = ma.fields.Float(allow_none=True, metadata={"description": "Share of the invited (null: nobody invited)."})
    median_days = ma.fields.Float(
        allow_none=True,
        metadata={
            "description": "Median days from the step before (the latest earlier step with a date); null without dates."
        },
    )


class FunnelGroupSchema(ma.Schema):
    key = ma.fields.String(allow_none=True, metadata={"description": "The department or location (null: not set)."})
    members = ma.fields.Integer(metadata={"description": "Invited members in the group (at least `min_group_size`)."})
    steps = ma.fields.List(ma.fields.Nested(FunnelStepSchema), metadata={"description": "The group's funnel."})


class FunnelSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, metadata={"description": "The period reported."})
    group_by = ma.fields.String(allow_none=True, metadata={"description": "How `groups` are split (null: not split)."})
    steps = ma.fields.List(ma.fields.Nested(FunnelStepSchema), metadata={"description": "The tenant's funnel."})
    groups = ma.fields.List(
        ma.fields.Nested(FunnelGroupSchema), metadata={"description": "Groups large enough to show."}
    )
    suppressed = ma.fields.Nested(
        SuppressedSchema, metadata={"description": "What was left out to protect small groups."}
    )


class TrainingArgsSchema(GroupedReportArgsSchema):
    module_id = ma.fields.UUID(metadata={"description": "Only this module (a published version's id)."})


class TrainingFiguresSchema(ma.Schema):
    assigned = ma.fields.Integer(metadata={"description": "Assignments of members still in the program."})
    not_started = ma.fields.Integer(metadata={"description": "Assigned, no attempt yet, not overdue."})
    in_progress = ma.fields.Integer(metadata={"description": "Tried, not passed, attempts left, not overdue."})
    passed = ma.fields.Integer(metadata={"description": "Passed and still valid."})
    failed = ma.fields.Integer(metadata={"description": "Out of attempts without a pass."})
    overdue = ma.fields.Integer(metadata={"description": "Past the due date without a pass."})
    expired = ma.fields.Integer(metadata={"description": "Passed, but the re-certification date has passed."})
    completion_rate = ma.fields.Float(allow_none=True, metadata={"description": "passed / assigned."})
    median_score = ma.fields.Float(allow_none=True, metadata={"description": "Median best score of those passed."})
    median_attempts = ma.fields.Float(
        allow_none=True, metadata={"description": "Median attempts on the published version, of those who tried."}
    )


class TrainingGroupSchema(TrainingFiguresSchema):
    key = ma.fields.String(allow_none=True, metadata={"description": "The department or location (null: not set)."})


class ModuleRefSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "The published version's id."})
    title = ma.fields.String(metadata={"description": "Title."})
    version = ma.fields.Integer(metadata={"description": "Version number."})


class TrainingModuleSchema(TrainingFiguresSchema):
    module = ma.fields.Nested(ModuleRefSchema, metadata={"description": "The module."})
    groups = ma.fields.List(
        ma.fields.Nested(TrainingGroupSchema),
        metadata={"description": "Per group, with `group_by` (small groups left out)."},
    )


class GuidelineCoverageSchema(ma.Schema):
    version = ma.fields.Integer(allow_none=True, metadata={"description": "The guideline current then (null: none)."})
    members = ma.fields.Integer(metadata={"description": "Members enrolled at the period's end."})
    acknowledged = ma.fields.Integer(metadata={"description": "Of those, who acknowledged that version."})
    coverage = ma.fields.Float(allow_none=True, metadata={"description": "acknowledged / members."})


class TrainingReportSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, metadata={"description": "The period reported."})
    as_of = UTCDateTimeField(metadata={"description": "The moment the statuses are taken at (period end, or now)."})
    group_by = ma.fields.String(allow_none=True, metadata={"description": "How `groups` are split (null: not split)."})
    modules = ma.fields.List(ma.fields.Nested(TrainingModuleSchema), metadata={"description": "Per published module."})
    guideline = ma.fields.Nested(
        GuidelineCoverageSchema, metadata={"description": "Guideline acknowledgement coverage."}
    )
    suppressed = ma.fields.Nested(SuppressedSchema, metadata={"description": "Groups left out over all modules."})
