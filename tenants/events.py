"""The events tenants emits (the catalogue: ``app.events``).

``tenants.governance_changed`` is the event; ``tenant.governance_changed`` (no ``s``) is the
audit action written by the same switch (``tenants.services.set_governance_mode``). Both strings
stay as they are: the event name is stored in ``outbox_events`` and ``event_deliveries``, the
audit action is part of the audit API. Events are named ``<package>.<what happened>``, audit
actions ``<subject>.<what happened>``.
"""

from __future__ import annotations

from app import events

MEMBER_ACTIVATED = events.declare(
    "tenants.member_activated",
    version=1,
    fields={"member_id": "the member who accepted the invitation and is now active"},
    doc="An invited member accepted the invitation. Training assigns the required modules.",
)

PROFILE_CHANGED = events.declare(
    "tenants.profile_changed",
    version=1,
    fields={"member_id": "the member whose profile fields or social accounts changed"},
    doc="A member's profile or social accounts changed. Gamification re-evaluates profile milestones.",
)

GOVERNANCE_CHANGED = events.declare(
    "tenants.governance_changed",
    version=1,
    fields={
        "from": "the governance mode before the switch",
        "to": "the governance mode after the switch",
        "reason": "why the owner switched (free text, may be None)",
        "actor_member_id": "the member who switched (string id)",
    },
    doc=(
        "The tenant's governance mode changed (audit action ``tenant.governance_changed``). Posts "
        "re-route approved-but-unpublished posts; the archive records the switch."
    ),
)
