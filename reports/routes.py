"""HTTP routes of the reports: each report as JSON, or as CSV for a spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import require_scope
from reports import charts, csv_output, funnel, overview, periods, training
from reports.labels import column_labels, figure_labels, total_label
from reports.schemas import (
    FunnelSchema,
    GroupedReportArgsSchema,
    OverviewSchema,
    ReportArgsSchema,
    TrainingArgsSchema,
    TrainingReportSchema,
)
from tenants.services import setting

reports_blp = make_blueprint(
    "reports",
    __name__,
    "Program reports for program leads: overview and participation funnel over a period, as JSON or CSV. "
    "No report shows a person; groups smaller than the tenant's `min_group_size` are suppressed.",
)

PERIOD_RULES = cross_field_rules(
    "A period is either `from` with `to` (`to` not before `from`, at most 3,660 days) or `period` "
    "with `date`, never both."
)


def json_or_csv(schema_name: str) -> dict:
    """OpenAPI for a 200 answered as JSON (``schema_name``'s component) or, on request, as CSV."""
    return {
        **PERIOD_RULES,
        "responses": {
            "200": {
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}},
                    csv_output.MEDIA_TYPE: {
                        "schema": {"type": "string"},
                        "example": "\ufeffKennzahl;Zeitraum;Vorzeitraum\r\nBeiträge;12;9\r\n",
                    },
                }
            }
        },
    }


def wants_csv(args: dict[str, Any]) -> bool:
    """``format`` decides; without it, ``Accept`` (JSON unless CSV is preferred outright)."""
    if "format" in args:
        return args["format"] == "csv"
    return request.accept_mimetypes.best_match(["application/json", csv_output.MEDIA_TYPE]) == csv_output.MEDIA_TYPE


def _report(
    name: str,
    args: dict[str, Any],
    build: Callable[[periods.Period], dict],
    to_rows: Callable[[dict, str], list[dict]],
):
    """The report ``name`` over the requested period: its JSON body, or a CSV download."""
    result = build(periods.from_arguments(args))
    if not wants_csv(args):
        return result
    language = setting("default_locale")
    dialect = args.get("dialect") or csv_output.default_dialect(language)
    body = csv_output.render(to_rows(result, language), column_labels(name, result), dialect=dialect, language=language)
    return Response(
        body,
        mimetype=csv_output.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@reports_blp.route("/reports/overview")
class Overview(MethodView):
    @require_scope("reports:read")
    @reports_blp.arguments(ReportArgsSchema, location="query")
    @reports_blp.response(200, OverviewSchema)
    @reports_blp.doc(**json_or_csv("Overview"))
    def get(self, args):
        """Program figures for a period next to the period before (staff: owner, admin, hr, program_lead).

        People are counted as of the period's end, results over the posts published in it.
        `format=csv` (or `Accept: text/csv`) gives one row per figure.
        """
        return _report(
            "overview",
            args,
            overview.report,
            lambda result, language: overview.csv_rows(result, figure_labels(language)),
        )


@reports_blp.route("/reports/funnel")
class Funnel(MethodView):
    @require_scope("reports:read")
    @reports_blp.arguments(GroupedReportArgsSchema, location="query")
    @reports_blp.response(200, FunnelSchema)
    @reports_blp.doc(**json_or_csv("Funnel"))
    def get(self, args):
        """Invited -> accepted -> trained -> acknowledged -> eligible -> first post -> posted in the period.

        Counts at the period's end, for the tenant and per `group_by` group; groups smaller than
        `min_group_size` (and one more where only one would be hidden) are left out. `format=csv`
        gives a row per group with a column per step.
        """
        return _report(
            "funnel",
            args,
            lambda period: funnel.report(period, args.get("group_by")),
            lambda result, language: funnel.csv_rows(result, total_label(language)),
        )


@reports_blp.route("/reports/training")
class Training(MethodView):
    @require_scope("reports:read")
    @reports_blp.arguments(TrainingArgsSchema, location="query")
    @reports_blp.response(200, TrainingReportSchema)
    @reports_blp.doc(**json_or_csv("TrainingReport"))
    def get(self, args):
        """Training per published module (and per `group_by` group): statuses, completion, scores.

        Statuses as members see them, taken at the period's end (or now while it runs), and the
        acknowledgement coverage of the guideline current then. `module_id` narrows it to one
        module. `format=csv` gives a row per module and group.
        """
        return _report(
            "training",
            args,
            lambda period: training.report(period, args.get("group_by"), args.get("module_id")),
            lambda result, language: training.csv_rows(result, total_label(language)),
        )


@reports_blp.route("/reports/funnel.svg")
class FunnelChart(MethodView):
    @require_scope("reports:read")
    @reports_blp.arguments(GroupedReportArgsSchema, location="query")
    @reports_blp.doc(
        **PERIOD_RULES,
        responses={
            "200": {
                "description": "The funnel as an SVG bar chart with a title and a text description.",
                "content": {charts.MEDIA_TYPE: {"schema": {"type": "string"}}},
            }
        },
    )
    def get(self, args):
        """The funnel of `GET /reports/funnel` (same parameters) as an SVG chart in the tenant's language.

        The tenant's steps are drawn (`group_by` does not split the chart). The SVG has a
        `<title>` and a `<desc>` listing every figure, for screen readers.
        """
        period = periods.from_arguments(args)
        result = funnel.report(period, None)
        svg = charts.funnel(result, setting("default_locale"))
        return Response(svg, mimetype=charts.MEDIA_TYPE)
