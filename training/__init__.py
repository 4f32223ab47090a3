"""Training: modules, lessons, quizzes, attempts, assignments, guidelines and their reminders."""

from __future__ import annotations

from app.auth import PEOPLE_ADMINS, STAFF_ROLES
from app.domains import Domain


def register(app) -> None:
    """Routes, CLI, posting requirements, progress figures, the member export part; importing
    ``assignments`` subscribes its event handlers."""
    from app.api import register_blueprints
    from tenants import data_rights, eligibility, progress
    from training import assignments, guideline_routes, guidelines, module_routes, privacy  # noqa: F401 (listeners)
    from training import eligibility as training_eligibility
    from training.cli import training_cli

    register_blueprints(app, module_routes.training_blp, guideline_routes.guidelines_blp)
    # Posting waits for required training, then for the current guideline (in this order).
    eligibility.requirement(training_eligibility.required_training)
    eligibility.requirement(guidelines.acknowledged_current)
    progress.REQUIRED_TRAINING.provided_by(assignments.required_progress)
    data_rights.EXPORTERS["training"] = privacy.export_member
    app.cli.add_command(training_cli)


DOMAIN = Domain(
    name="training",
    register=register,
    models=("training.models",),
    scopes={
        "training:manage": STAFF_ROLES,  # modules, templates, assignments
        "guidelines:manage": PEOPLE_ADMINS,  # publish guideline versions
        "guidelines:report": STAFF_ROLES,  # who has and has not acknowledged
    },
)
