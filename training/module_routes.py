"""HTTP routes for training modules, quiz attempts, assignments and the template library."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, require_scope
from app.db import db
from app.errors import NotFound
from app.pagination import SelectPage
from tenants import members
from tenants.models import Member
from tenants.services import current_tenant
from training import assignments, attempts, modules
from training.models import Module
from training.module_schemas import (
    AssignmentInSchema,
    AssignmentResultSchema,
    AttemptInSchema,
    AttemptResetSchema,
    AttemptResultSchema,
    ModuleCreateSchema,
    ModuleListArgsSchema,
    ModuleSchema,
    ModuleSummarySchema,
    ModuleUpdateSchema,
    MyAssignmentSchema,
    TemplateListArgsSchema,
    TemplateSummarySchema,
)

QUIZ_RULES = cross_field_rules(
    "Every question needs at least one correct option, a single-choice question exactly one, "
    "and the options of a question must differ."
)

training_blp = make_blueprint("training", __name__, "Training modules, quizzes, assignments and templates.")


def _may_see_answers(module: Module) -> bool:
    """Staff always; a member once they passed the module or used up their attempts."""
    principal = current_principal()
    if principal.has("training:manage"):
        return True
    assignment = assignments.for_member(principal.member_id, module.lineage_id)
    if assignment is None:
        return False
    _, _, state = assignments.standing(assignment)
    return state in ("passed", "failed")


@training_blp.route("/training/modules")
class Modules(MethodView):
    @require_scope("self")
    @training_blp.arguments(ModuleListArgsSchema, location="query")
    @training_blp.response(200, ModuleSummarySchema(many=True))
    @training_blp.paginate(SelectPage)
    def get(self, args):
        """Modules: staff see every version, members the published ones."""
        staff = current_principal().has("training:manage")
        statement = modules.listing(current_principal(), include_drafts=staff)
        if args.get("status") and staff:
            statement = statement.where(Module.status == args["status"])
        if args.get("kind"):
            statement = statement.where(Module.kind == args["kind"])
        return statement

    @require_scope("training:manage")
    @training_blp.doc(**QUIZ_RULES)
    @training_blp.arguments(ModuleCreateSchema)
    @training_blp.response(201, ModuleSchema)
    def post(self, data):
        """Create a module with lessons and a quiz, as a draft (staff)."""
        return modules.view(modules.create(data, current_principal()), reveal_answers=True)


@training_blp.route("/training/modules/<uuid:module_id>")
class ModuleResource(MethodView):
    @require_scope("self")
    @training_blp.response(200, ModuleSchema)
    def get(self, module_id: uuid.UUID):
        """A module version; correct answers only for staff, or after passing or failing it."""
        module = modules.get(module_id)
        if module.status == "draft" and not current_principal().has("training:manage"):
            raise NotFound("No such training module.")
        return modules.view(module, reveal_answers=_may_see_answers(module))

    @require_scope("training:manage")
    @training_blp.doc(**QUIZ_RULES)
    @training_blp.arguments(ModuleUpdateSchema)
    @training_blp.response(200, ModuleSchema)
    @training_blp.alt_response(409, description="The version is published and cannot be edited.")
    def patch(self, data, module_id: uuid.UUID):
        """Edit a draft; lessons or quiz given here replace the existing ones."""
        return modules.view(modules.update(modules.get(module_id), data), reveal_answers=True)


@training_blp.route("/training/modules/<uuid:module_id>/publish")
class PublishModule(MethodView):
    @require_scope("training:manage")
    @training_blp.response(200, ModuleSchema)
    @training_blp.alt_response(409, description="Archived, or without quiz questions.")
    def post(self, module_id: uuid.UUID):
        """Publish a draft; it becomes immutable and replaces the previous version."""
        return modules.view(modules.publish(modules.get(module_id)), reveal_answers=True)


@training_blp.route("/training/modules/<uuid:module_id>/revisions")
class ReviseModule(MethodView):
    @require_scope("training:manage")
    @training_blp.response(201, ModuleSchema)
    @training_blp.alt_response(409, description="Not the published version, or a draft exists.")
    def post(self, module_id: uuid.UUID):
        """Start the next version of a published module as an editable draft copy."""
        return modules.view(modules.revise(modules.get(module_id), current_principal()), reveal_answers=True)


@training_blp.route("/training/modules/<uuid:module_id>/attempts")
class ModuleAttempts(MethodView):
    @require_scope("self")
    @training_blp.arguments(AttemptInSchema)
    @training_blp.response(201, AttemptResultSchema)
    @training_blp.alt_response(
        409, description="Attempts used up, already passed, superseded version or member not active."
    )
    def post(self, data, module_id: uuid.UUID):
        """Submit quiz answers; graded on the server."""
        member = db.session.get(Member, current_principal().member_id)
        return attempts.submit(module_id, data["answers"], member)


@training_blp.route("/training/modules/<uuid:module_id>/attempts/reset")
class ResetAttempts(MethodView):
    @require_scope("training:manage")
    @training_blp.arguments(AttemptResetSchema)
    @training_blp.response(200, MyAssignmentSchema)
    @training_blp.alt_response(404, description="No such module or member in this tenant.")
    @training_blp.alt_response(409, description="The member has neither an assignment nor attempts for this module.")
    def post(self, data, module_id: uuid.UUID):
        """Give a member fresh attempts on a module (staff), e.g. after all were used; audited.

        Earlier attempts are kept; attempts count again from now. Answers the member's assignment.
        """
        return assignments.reset_attempts(modules.get(module_id), members.get(data["member_id"]))


@training_blp.route("/training/assignments")
class Assignments(MethodView):
    @require_scope("training:manage")
    @training_blp.doc(
        **cross_field_rules(
            "Exactly one of member_ids, department or all_members: true; member_ids must be members "
            "of the tenant who are invited or active."
        )
    )
    @training_blp.arguments(AssignmentInSchema)
    @training_blp.response(201, AssignmentResultSchema)
    @training_blp.alt_response(409, description="The module is not published.")
    def post(self, data):
        """Assign a published module to members, a department or everybody; repeats are no-ops."""
        return {"created": assignments.assign(data, current_principal())}


@training_blp.route("/me/assignments")
class MyAssignments(MethodView):
    @require_scope("self")
    @training_blp.response(200, MyAssignmentSchema(many=True))
    def get(self):
        """The caller's training with status, due date, best score and expiry."""
        return assignments.mine(current_principal().member_id)


@training_blp.route("/training/templates")
class Templates(MethodView):
    @require_scope("training:manage")
    @training_blp.arguments(TemplateListArgsSchema, location="query")
    @training_blp.response(200, TemplateSummarySchema(many=True))
    def get(self, args):
        """Starter modules in German and English, for the tenant's industry by default."""
        from training import templates

        items = templates.list_templates(args.get("industry") or current_tenant().industry)
        return [t for t in items if not args.get("locale") or t["locale"] == args["locale"]]


@training_blp.route("/training/templates/<string:key>/clone")
class CloneTemplate(MethodView):
    @require_scope("training:manage")
    @training_blp.response(201, ModuleSchema)
    @training_blp.alt_response(404, description="No template with this key.")
    def post(self, key: str):
        """Copy a template into the tenant as a draft module to adapt and publish."""
        from training import templates

        template = templates.get_template(key)
        if template is None:
            raise NotFound("No such template.")
        module = modules.create(template["module"], current_principal(), template_key=key)
        return modules.view(module, reveal_answers=True)
