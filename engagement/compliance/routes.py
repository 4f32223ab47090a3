"""HTTP routes for compliance rules, presets and the dry-run check."""

from __future__ import annotations

import uuid

from flask import jsonify
from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.pagination import SelectPage
from engagement.compliance import services
from engagement.compliance.schemas import (
    KIND_RULES,
    CheckResultSchema,
    CheckSchema,
    PresetResultSchema,
    PresetSchema,
    RuleCreateSchema,
    RuleListArgsSchema,
    RuleSchema,
    RuleUpdateSchema,
)

compliance_blp = make_blueprint(
    "compliance",
    __name__,
    "Compliance rules (terms, patterns, personal data, disclosure, link limits), presets and the dry-run check.",
)


class RulePage(SelectPage):
    @property
    def items(self):
        return [services.view(rule) for rule in super().items]


@compliance_blp.route("/compliance/rules")
class Rules(MethodView):
    @require_scope("compliance:read")
    @compliance_blp.arguments(RuleListArgsSchema, location="query")
    @compliance_blp.response(200, RuleSchema(many=True))
    @compliance_blp.paginate(RulePage)
    def get(self, args):
        """The tenant's rules, oldest first (staff and approvers)."""
        return services.listing(args.get("kind"), args.get("preset"))

    @require_scope("compliance:manage")
    @compliance_blp.doc(**cross_field_rules(KIND_RULES))
    @compliance_blp.arguments(RuleCreateSchema)
    @compliance_blp.response(201, RuleSchema)
    @compliance_blp.alt_response(409, description="The tenant has the maximum number of rules.")
    def post(self, data):
        """Add a rule (owner, admin); posts are checked against it from now on.

        A regular expression that does not compile, matches empty text or is too slow on
        adversarial inputs is refused with 422 on `pattern`.
        """
        return services.view(services.create(data, current_principal()))


@compliance_blp.route("/compliance/rules/<uuid:rule_id>")
class RuleResource(MethodView):
    @require_scope("compliance:read")
    @compliance_blp.response(200, RuleSchema)
    def get(self, rule_id: uuid.UUID):
        """One rule."""
        return services.view(services.get(rule_id))

    @require_scope("compliance:manage")
    @compliance_blp.doc(**cross_field_rules(KIND_RULES))
    @compliance_blp.arguments(RuleUpdateSchema)
    @compliance_blp.response(200, RuleSchema)
    def patch(self, data, rule_id: uuid.UUID):
        """Change a rule (owner, admin); give only the fields to change, null to clear."""
        return services.view(services.update_rule(services.get(rule_id), data))

    @require_scope("compliance:manage")
    @compliance_blp.response(204)
    def delete(self, rule_id: uuid.UUID):
        """Delete a rule (owner, admin). A preset rule comes back when the preset is applied again; disable it instead to keep it off."""
        services.delete(services.get(rule_id))


@compliance_blp.route("/compliance/presets")
class Presets(MethodView):
    @require_scope("compliance:read")
    @compliance_blp.response(200, PresetSchema(many=True))
    def get(self):
        """The presets a tenant can apply: healthcare_de, finance, pharma and generic."""
        return services.preset_summaries()


@compliance_blp.route("/compliance/presets/<name>")
class PresetResource(MethodView):
    @require_scope("compliance:manage")
    @compliance_blp.response(200, PresetResultSchema)
    @compliance_blp.alt_response(409, description="The preset's rules would exceed the maximum number of rules.")
    def post(self, name: str):
        """Apply a preset (owner, admin): adds its rules the tenant does not have yet; applying it again adds nothing.

        The presets' wording is guidance for the tenant's compliance team, not legal advice.
        """
        return services.apply_preset(name, current_principal())


@compliance_blp.route("/compliance/check")
class Check(MethodView):
    @require_scope("compliance:check")
    @compliance_blp.arguments(CheckSchema)
    @compliance_blp.response(200, CheckResultSchema)
    def post(self, data):
        """Dry run: the findings the tenant's rules have for a text, without saving anything."""
        findings = services.check(data["text"], data.get("platform"), data.get("locale"))
        # The engine's findings have exactly the schema's fields and types, in its order: sent
        # as they are (dumping hundreds of findings through the schema cost more than finding them).
        return jsonify({"findings": findings, "blocked": services.blocks(findings)})
