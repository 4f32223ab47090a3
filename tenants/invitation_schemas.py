"""Schemas of the staff view of invitations and the delivery of their emails."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.schemas import UTCDateTimeField
from tenants import invitations

#: Delivery states of an invitation's email (see ``app.notifications.OutboxDelivery``).
DELIVERY_STATES = ("pending", "sent", "failed", "cancelled")
INVITATION_STATES = ("open", "accepted", "revoked", "expired")


class InvitationListArgsSchema(ma.Schema):
    delivery = ma.fields.String(
        validate=validate.OneOf(DELIVERY_STATES),
        metadata={"description": "Only invitations whose email is in this delivery state (`failed`: undeliverable)."},
    )
    member_id = ma.fields.UUID(metadata={"description": "Only this member's invitations."})


class DeliverySchema(ma.Schema):
    status = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "`pending` (waiting or being retried), `sent`, `failed` (given up: undeliverable) "
            "or `cancelled` (no longer wanted before it left)."
        },
    )
    attempts = ma.fields.Integer(metadata={"description": "Delivery attempts so far."})
    last_error = ma.fields.String(
        allow_none=True, metadata={"description": "Why the last attempt failed (null once sent)."}
    )
    sent_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the email left."})


class InvitationSchema(ma.Schema):
    id = ma.fields.UUID(metadata={"description": "Invitation id."})
    member_id = ma.fields.UUID(metadata={"description": "The invited member."})
    state = ma.fields.String(
        metadata={"description": "`open`, `accepted`, `revoked` (replaced or withdrawn) or `expired`."}
    )
    created_at = UTCDateTimeField(metadata={"description": "When it was issued."})
    expires_at = UTCDateTimeField(metadata={"description": "When it stops working."})
    accepted_at = UTCDateTimeField(allow_none=True, metadata={"description": "When the member accepted it."})
    revoked_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it was replaced or withdrawn."})
    delivery = ma.fields.Nested(DeliverySchema, metadata={"description": "Delivery of the invitation email."})

    @ma.pre_dump
    def _view(self, invitation, **kwargs):
        return invitations.view(invitation)
