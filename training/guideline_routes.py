"""HTTP routes for the social media guideline: versions, acknowledgements and the report."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.pagination import SelectPage
from tenants import members
from training import guidelines
from training.guideline_schemas import (
    AcknowledgementReportSchema,
    AcknowledgementSchema,
    GuidelineCreateSchema,
    GuidelineSchema,
    GuidelineSummarySchema,
    GuidelineTemplateSchema,
    ReportArgsSchema,
)

guidelines_blp = make_blueprint(
    "guidelines", __name__, "The social media guideline: published versions, acknowledgements and who has acknowledged."
)


class GuidelinePage(SelectPage):
    """Pages of guideline versions, each marked whether it is the current one."""

    @property
    def items(self):
        return guidelines.summaries(super().items)


@guidelines_blp.route("/guidelines")
class Guidelines(MethodView):
    @require_scope("guidelines:report")
    @guidelines_blp.response(200, GuidelineSummarySchema(many=True))
    @guidelines_blp.paginate(GuidelinePage)
    def get(self):
        """Every published version, newest first (staff)."""
        return guidelines.listing()

    @require_scope("guidelines:manage")
    @guidelines_blp.doc(
        **cross_field_rules(
            "Either title, body and locale, or template_key (optionally with title) and a value in "
            "placeholders for every placeholder of that template, and no other."
        )
    )
    @guidelines_blp.arguments(GuidelineCreateSchema)
    @guidelines_blp.response(201, GuidelineSchema)
    def post(self, data):
        """Publish a new version (owner, admin, hr); it becomes current and everyone acknowledges it anew.

        Give your own `title`, `body` (Markdown) and `locale`, or a `template_key` with a
        value for each of the template's placeholders.
        """
        guideline = guidelines.publish(data, current_principal())
        return guidelines.view(guideline, current_principal().member_id, guideline.version)


@guidelines_blp.route("/guidelines/current")
class CurrentGuideline(MethodView):
    @require_scope("self")
    @guidelines_blp.response(200, GuidelineSchema)
    @guidelines_blp.alt_response(404, description="No guideline has been published yet.")
    def get(self):
        """The current guideline, with when the caller acknowledged it (null: not yet)."""
        guideline = guidelines.require_current()
        return guidelines.view(guideline, current_principal().member_id, guideline.version)


@guidelines_blp.route("/guidelines/templates")
class GuidelineTemplates(MethodView):
    @require_scope("guidelines:manage")
    @guidelines_blp.response(200, GuidelineTemplateSchema(many=True))
    def get(self):
        """Starter guidelines (a works-agreement style policy in German and English) and their placeholders."""
        return guidelines.template_summaries()


@guidelines_blp.route("/guidelines/<uuid:guideline_id>")
class GuidelineResource(MethodView):
    @require_scope("self")
    @guidelines_blp.response(200, GuidelineSchema)
    def get(self, guideline_id: uuid.UUID):
        """One guideline version, with when the caller acknowledged it."""
        return guidelines.view(guidelines.get(guideline_id), current_principal().member_id)


@guidelines_blp.route("/guidelines/<uuid:guideline_id>/acknowledgements")
class GuidelineAcknowledgements(MethodView):
    @require_scope("self")
    @guidelines_blp.response(201, AcknowledgementSchema)
    @guidelines_blp.alt_response(
        200, schema=AcknowledgementSchema, description="Already acknowledged: the existing record."
    )
    @guidelines_blp.alt_response(
        409, description="The version has been superseded, or the caller is not an active member."
    )
    def post(self, guideline_id: uuid.UUID):
        """Acknowledge the current guideline: I have read it and will follow it."""
        guideline = guidelines.get(guideline_id)
        record, created = guidelines.acknowledge(guideline, members.get(current_principal().member_id))
        return guidelines.acknowledgement_view(record, guideline), 201 if created else 200

    @require_scope("guidelines:report")
    @guidelines_blp.arguments(ReportArgsSchema, location="query")
    @guidelines_blp.response(200, AcknowledgementReportSchema)
    def get(self, args, guideline_id: uuid.UUID):
        """Which active members have acknowledged this version and which have not (staff)."""
        return guidelines.report(guidelines.get(guideline_id), args.get("department"))
