"""Invitations: single-use secrets with an expiry, emailed in the member's locale.

The secret (``inv_...``) is shown once in the API response and in the email; only its hash is
stored. Accepting needs the member's own ``participation: true``: nobody becomes active
without consenting.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_smorest import abort
from sqlalchemy import select, update

from app import auth, clock, events, notifications, tenancy
from app.db import db
from tenants import audit, consent, tokens
from tenants.models import Invitation, Member, Tenant

PREFIX = "inv_"
DEFAULT_TTL_DAYS = 14

EMAIL_TEXTS = {
    "de": {
        "subject": "Einladung zum Corporate-Influencer-Programm von {tenant}",
        "body": (
            "Hallo {name},\n\n"
            "{tenant} lädt Sie ein, im Corporate-Influencer-Programm mitzumachen: als Stimme Ihres "
            "Unternehmens in den sozialen Netzwerken, mit Schulungen, Inhalten und Unterstützung.\n\n"
            "Die Teilnahme ist freiwillig. Sie entscheiden selbst, ob Sie mitmachen und ob Ihr Name "
            "in Ranglisten erscheint; beides können Sie jederzeit ändern.\n\n"
            "Ihr Einladungscode (gültig bis {expires}):\n{token}\n\n"
            "Annehmen: POST {base_url}/api/v1/invitations/accept mit dem Code und Ihrer Zustimmung.\n"
        ),
    },
    "en": {
        "subject": "Your invitation to the {tenant} corporate influencer program",
        "body": (
            "Hello {name},\n\n"
            "{tenant} invites you to join its corporate influencer program: speak for your company "
            "on social networks, with training, content and support.\n\n"
            "Taking part is voluntary. You decide whether you join and whether your name appears on "
            "leaderboards, and you can change either at any time.\n\n"
            "Your invitation code (valid until {expires}):\n{token}\n\n"
            "To accept: POST {base_url}/api/v1/invitations/accept with the code and your consent.\n"
        ),
    },
}


def _ttl(tenant: Tenant) -> timedelta:
    return timedelta(days=int(tenant.settings.get("invitation_ttl_days", DEFAULT_TTL_DAYS)))


def revoke_open(member_id: uuid.UUID) -> None:
    db.session.execute(
        update(Invitation)
        .where(Invitation.member_id == member_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def prepare(member: Member | dict[str, Any], tenant: Tenant) -> tuple[dict[str, Any], dict[str, Any]]:
    """An invitation row and its email for a member (an ORM object or an import row)."""
    get = member.get if isinstance(member, dict) else lambda key: getattr(member, key)
    secret = auth.new_secret(PREFIX)
    invitation = {
        "id": uuid.uuid4(),
        "tenant_id": tenant.id,
        "member_id": get("id"),
        "token_hash": auth.hash_secret(secret),
        "expires_at": clock.now() + _ttl(tenant),
        "created_at": clock.now(),
    }
    texts = EMAIL_TEXTS.get(get("locale"), EMAIL_TEXTS["en"])
    values = {
        "tenant": tenant.name,
        "name": get("name"),
        "token": secret,
        "expires": clock.isoformat(invitation["expires_at"]),
        "base_url": current_app.config["PUBLIC_BASE_URL"],
    }
    email = {
        "to": get("email"),
        "subject": texts["subject"].format(**values),
        "body": texts["body"].format(**values),
        "kind": "invitation",
        "dedupe_key": f"invitation:{invitation['id']}",
        "secret": secret,
    }
    return invitation, email


def send_prepared(emails: list[dict[str, Any]]) -> None:
    """Queue prepared invitation emails in one batch (sent after commit)."""
    notifications.queue_bulk([{k: v for k, v in email.items() if k != "secret"} for email in emails])


def issue(member: Member, tenant: Tenant) -> tuple[Invitation, str]:
    """A fresh invitation (earlier open ones are revoked), emailed after commit."""
    revoke_open(member.id)
    row, email = prepare(member, tenant)
    invitation = Invitation(**{k: v for k, v in row.items() if k != "tenant_id"})
    db.session.add(invitation)
    db.session.flush()
    send_prepared([email])
    return invitation, email["secret"]


def resend(member: Member, tenant: Tenant) -> tuple[Invitation, str]:
    if member.status != "invited":
        abort(409, message=f"Only invited members get invitations (this one is {member.status}).")
    invitation, secret = issue(member, tenant)
    audit.record("member.invitation_resent", "member", member.id)
    return invitation, secret


def accept(secret: str, leaderboard_visible: bool) -> tuple[Member, str]:
    """Accept with consent: the member becomes active and receives an API token."""
    token_hash = auth.hash_secret(secret)
    with tenancy.by_credential(token_hash):
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None:
        abort(404, message="Unknown invitation.")
    tenancy.activate(invitation.tenant_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        abort(410, message="This invitation was already used or replaced by a newer one.")
    if invitation.expires_at <= clock.now():
        abort(410, message="This invitation has expired; ask for a new one.")
    member = db.session.get(Member, invitation.member_id)
    if member is None or member.status != "invited":
        abort(410, message="This invitation is no longer valid.")
    now = clock.now()
    invitation.accepted_at = now
    member.status, member.activated_at = "active", now
    consent.record(member, participation=True, leaderboard_visible=leaderboard_visible, source="invitation")
    _, api_secret = tokens.issue(member, "invitation")
    audit.record("member.activated", "member", member.id, before={"status": "invited"}, after={"status": "active"}, actor_member_id=member.id)
    events.emit("tenants.member_activated", {"member_id": str(member.id)})
    return member, api_secret
