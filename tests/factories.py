"""Direct builders for rows the API of this issue cannot create yet (members with roles)."""

from __future__ import annotations

import uuid

from app import clock, tenancy, transactions
from app.db import db
from tenants import tokens
from tenants.models import Member


def add_member(
    app, tenant_id: uuid.UUID, *roles: str, email: str | None = None, status: str = "active"
) -> tuple[uuid.UUID, str]:
    """Create a member holding ``roles`` in ``tenant_id`` and return (id, bearer token)."""
    with app.app_context(), tenancy.scope(tenant_id):
        member = Member(
            tenant_id=tenant_id,
            email=email or f"{'-'.join(roles) or 'member'}-{uuid.uuid4().hex[:6]}@example.com",
            name="Test Member",
            roles=list(roles) or ["influencer"],
            status=status,
            participation_consent_at=clock.now() if status == "active" else None,
        )
        db.session.add(member)
        db.session.flush()
        _, secret = tokens.issue(member, "test")
        member_id = member.id
        transactions.commit()
    return member_id, secret
