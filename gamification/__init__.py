"""Gamification: points, levels, badges, personal-branding milestones, leaderboards, challenges.

Module map: ``listeners`` turns training, engagement and profile events into ``activities``
(facts, counted once) and ``ledger`` entries (points under the ``config`` rules); the ledger
keeps per-period totals and the ``histogram`` in step, with ``standings`` copying what boards
filter on. ``badges``, ``milestones`` and ``challenges`` react to new facts; ``leaderboards``
reads the aggregates; ``rebuild`` recomputes them; ``routes`` is the HTTP API.
"""

from __future__ import annotations

from app.auth import EVERY_ROLE, PEOPLE_ADMINS, STAFF_ROLES
from app.domains import Domain


def register(app) -> None:
    """Routes and CLI; the listeners subscribe to training, engagement and profile events; the
    member's points join the data export and erasure; the demo tenant gets its standings."""
    from app.api import register_blueprints
    from gamification import demo as gamification_demo
    from gamification import (
        listeners,  # noqa: F401 (subscribes its handlers)
        privacy,
    )
    from gamification.cli import gamification_cli
    from gamification.routes import gamification_blp
    from tenants import data_rights, demo

    register_blueprints(app, gamification_blp)
    app.cli.add_command(gamification_cli)
    data_rights.EXPORTERS["gamification"] = privacy.export_member
    data_rights.ERASERS["gamification"] = privacy.erase_member
    demo.SEEDERS["gamification"] = gamification_demo.seed


DOMAIN = Domain(
    name="gamification",
    register=register,
    models=("gamification.models",),
    scopes={
        "gamification:read": EVERY_ROLE,  # point rules, levels, badges, leaderboards, challenges
        "gamification:manage": STAFF_ROLES,  # point rules, levels, badges, challenges
        "gamification:ledger": PEOPLE_ADMINS,  # every member's ledger, reversals and adjustments
    },
)
