"""Event listeners: the archive records what other domains announce (dependency stays one-way)."""

from __future__ import annotations

from app import events
from engagement.archive import services
from tenants.events import GOVERNANCE_CHANGED
from tenants.models import GOVERNANCE_MODES
from tenants.policy import effective_policy
from tenants.services import current_tenant


@events.handler(GOVERNANCE_CHANGED)
def archive_governance_change(event: events.OutboxEvent) -> None:
    """``governance.mode_changed``: archived when the old or the new mode archives.

    Leaving Containment is archived too: the chain then shows why it ends.
    """
    tenant = current_tenant()
    before = event.field("from")
    archived_before = before in GOVERNANCE_MODES and effective_policy(before, tenant.policy_overrides).get(
        "archive_enabled"
    )
    if not (archived_before or services.archive_enabled()):
        return
    services.append(
        "governance.mode_changed",
        "tenant",
        event.tenant_id,
        {
            "from": before,
            "to": event.field("to"),
            "reason": event.field("reason"),
            "changed_at": event.created_at,
            "event_id": event.id,
        },
        actor_member_id=event.field("actor_member_id"),
    )
