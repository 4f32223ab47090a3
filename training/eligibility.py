"""Training's part of "may this member post?": required modules passed and not expired.

Only where the tenant's policy requires training before posting (Containment); in
Empowerment training is recommended, not a gate.
"""

from __future__ import annotations

from tenants.eligibility import Missing
from tenants.models import Member
from tenants.services import current_policy
from training.assignments import missing_required


def required_training(member: Member) -> list[Missing]:
    if not current_policy()["training_required_before_posting"]:
        return []
    return [
        Missing(f"training:{m.lineage_id}", f"Pass the required module '{m.title}'.")
        for m in missing_required(member.id)
    ]
