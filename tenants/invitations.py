"""Invitations: single-use secrets with an expiry, emailed in the member's locale.

The secret (``inv_...``) is shown once in the API response and in the email; only its hash is
stored. It is derived from the application key (``SECRET_KEY``) and the invitation id, so the
invitation row is the outbox of its own email: the sending job renders the email after the
commit, and no plaintext secret is stored anywhere. Accepting needs the member's own
``participation: true``: nobody becomes active without consenting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, select, update

from app import auth, clock, events, jobs, localdates, notifications, tenancy, transactions
from app.db import db
from app.errors import Conflict, Gone, NotFound
from tenants import audit, consent, tokens
from tenants.events import MEMBER_ACTIVATED
from tenants.models import Invitation, Member, Tenant
from tenants.services import setting

log = logging.getLogger(__name__)
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


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode("utf-8")


def secret_for(invitation_id: uuid.UUID, key: bytes | None = None) -> str:
    """The invitation's secret: HMAC-SHA256 of its id under ``SECRET_KEY`` (256 bits, URL-safe)."""
    digest = hmac.new(key or _key(), b"invitation:" + invitation_id.bytes, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def revoke_open(member_id: uuid.UUID) -> None:
    """Open invitations of a member stop working; their emails are no longer sent if still waiting."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.member_id == member_id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(
            revoked_at=clock.now(),
            email_status=case(
                (Invitation.email_status.in_(("pending", "failed")), "cancelled"), else_=Invitation.email_status
            ),
        )
    )


def rows_for(member_ids: list[uuid.UUID], tenant: Tenant) -> list[dict[str, Any]]:
    """Invitation rows (for a bulk insert) for new members; :func:`schedule_emails` sends them."""
    now = clock.now()
    expires_at = now + _ttl(tenant)
    key = _key()
    rows = []
    for member_id in member_ids:
        invitation_id = uuid.uuid4()
        rows.append(
            {
                "id": invitation_id,
                "member_id": member_id,
                "token_hash": auth.hash_secret(secret_for(invitation_id, key)),
                "expires_at": expires_at,
                "created_at": now,
                "email_status": "pending",
                "email_attempts": 0,
            }
        )
    return rows


def schedule_emails(invitation_ids: list[uuid.UUID]) -> None:
    """Send the invitations' emails after the commit (one job for the batch)."""
    if not invitation_ids:
        return
    tenant_id = tenancy.require()
    ids = ",".join(str(i) for i in invitation_ids)
    transactions.on_commit(lambda: jobs.enqueue(send_emails, tenant_id, ids))


def issue(member: Member, tenant: Tenant) -> tuple[Invitation, str]:
    """A fresh invitation (earlier open ones are revoked), emailed after commit."""
    revoke_open(member.id)
    [row] = rows_for([member.id], tenant)
    invitation = Invitation(**row)
    db.session.add(invitation)
    db.session.flush()
    schedule_emails([invitation.id])
    return invitation, secret_for(invitation.id)


def _render(invitation: Invitation) -> notifications.Rendered | None:
    """The invitation email as of now, or None when it is no longer wanted."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None or invitation.expires_at <= clock.now():
        return None
    member = db.session.get(Member, invitation.member_id)
    if member is None or member.status != "invited":
        return None
    secret = secret_for(invitation.id)
    if auth.hash_secret(secret) != invitation.token_hash:
        raise ValueError("SECRET_KEY differs from the one this invitation was made with; resend the invitation")
    tenant = db.session.get(Tenant, invitation.tenant_id)
    texts = EMAIL_TEXTS.get(member.locale, EMAIL_TEXTS["en"])
    values = {
        "tenant": tenant.name,
        "name": member.name,
        "token": secret,
        "expires": localdates.format_datetime(invitation.expires_at, member.locale, setting("timezone")),
        "base_url": current_app.config["PUBLIC_BASE_URL"],
    }
    return notifications.Rendered(member.email, texts["subject"].format(**values), texts["body"].format(**values))


def send_email(invitation_id: str) -> None:
    """Job: deliver one invitation's email (never twice: the row is locked while it goes out)."""
    invitation = db.session.get(Invitation, uuid.UUID(invitation_id), with_for_update=True)
    if invitation is None:
        return
    notifications.send_outboxed(invitation, lambda: _render(invitation), invitation.id)


def send_emails(invitation_ids: str) -> None:
    """Job: deliver a batch of invitation emails; each is committed on its own."""
    notifications.send_each([i for i in invitation_ids.split(",") if i], send_email, "invitation emails")


notifications.register_outbox(Invitation, send_email)


def state(invitation: Invitation) -> str:
    """``accepted``, ``revoked``, ``expired`` or ``open``."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= clock.now() else "open"


def view(invitation: Invitation) -> dict[str, Any]:
    """The invitation as staff see it: its state and the delivery of its email (never the secret)."""
    return {
        "id": invitation.id,
        "member_id": invitation.member_id,
        "state": state(invitation),
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
        "delivery": {
            "status": invitation.email_status,
            "attempts": invitation.email_attempts,
            "last_error": invitation.email_error,
            "sent_at": invitation.email_sent_at,
        },
    }


def list_query(filters: dict[str, Any]):
    """Invitations, newest first, filtered by the delivery state of their email and by member."""
    statement = select(Invitation)
    if filters.get("delivery"):
        statement = statement.where(Invitation.email_status == filters["delivery"])
    if filters.get("member_id"):
        statement = statement.where(Invitation.member_id == filters["member_id"])
    return statement.order_by(Invitation.created_at.desc(), Invitation.id)


def get(invitation_id: uuid.UUID) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def resend(member: Member, tenant: Tenant) -> tuple[Invitation, str]:
    if member.status != "invited":
        raise Conflict(f"Only invited members get invitations (this one is {member.status}).")
    invitation, secret = issue(member, tenant)
    audit.record("member.invitation_resent", "member", member.id)
    return invitation, secret


def accept(secret: str, leaderboard_visible: bool) -> tuple[Member, str]:
    """Accept with consent: the member becomes active and receives an API token.

    The invitation row is locked before it is checked, so a code is accepted once however many
    requests present it at the same moment.
    """
    token_hash = auth.hash_secret(secret)
    with tenancy.by_credential(token_hash):
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None:
        raise NotFound("Unknown invitation.")
    tenancy.activate(invitation.tenant_id)
    # Concurrent accepts of one code queue here; each later one sees it accepted (410).
    invitation = db.session.get(Invitation, invitation.id, with_for_update=True, populate_existing=True)
    if invitation is None:
        raise NotFound("Unknown invitation.")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Gone("This invitation was already used or replaced by a newer one.")
    if invitation.expires_at <= clock.now():
        raise Gone("This invitation has expired; ask for a new one.")
    member = db.session.get(Member, invitation.member_id)
    if member is None or member.status != "invited":
        raise Gone("This invitation is no longer valid.")
    now = clock.now()
    invitation.accepted_at = now
    member.status, member.activated_at = "active", now
    consent.record(member, participation=True, leaderboard_visible=leaderboard_visible, source="invitation")
    _, api_secret = tokens.issue(member, "invitation")
    audit.record(
        "member.activated",
        "member",
        member.id,
        before={"status": "invited"},
        after={"status": "active"},
        actor_member_id=member.id,
    )
    events.emit(MEMBER_ACTIVATED, {"member_id": str(member.id)})
    return member, api_secret
