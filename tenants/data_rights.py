"""Data subject rights (GDPR art. 15, 17, 20): export a member's data, erase it.

Erasure replaces personal data with a pseudonym and deletes what is only personal (social
accounts, profile texts), also in the email outbox (emails to the member and mentioning them); records that must stay (audit log, and later the archive and the
points ledger) keep only the member's id, which no longer leads to a person. Audit rows never
hold names or emails in the first place (see :mod:`tenants.members`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import delete, select

from app import clock, notifications
from app.db import db
from tenants import audit, consent, invitations, profiles, tokens
from tenants.audit import AuditEvent
from tenants.members import offboard
from tenants.models import Member, SocialAccount
from tenants.services import current_tenant

#: Later domains add their part of a member's export here (name -> function(member) -> data).
EXPORTERS: dict[str, Any] = {}
#: Later domains pseudonymise what they keep about an erased member here
#: (name -> function(member, pseudonym, replacements)): ``replacements`` are the member's identifying
#: strings with their pseudonyms (:func:`identifying_replacements`), built once for all
#: erasers before the member's own fields and accounts are replaced.
ERASERS: dict[str, Any] = {}


#: Names shorter than this are replaced only where a whole string equals them.
MIN_SUBSTRING = 3


def identifying_replacements(member, label: str, handles: list[str]) -> list[tuple[re.Pattern, str, str]]:
    """(pattern, replacement, needle) for the member's identifying strings, longest first."""
    pairs = []
    if member.email:
        pairs.append((member.email, f"{label}@erased.invalid"))
    if member.name:
        pairs.append((member.name, label))
    pairs += [(h, label) for h in handles if h]
    result = []
    for needle, replacement in sorted(pairs, key=lambda p: -len(p[0])):
        needle = needle.strip()
        if not needle:
            continue
        if len(needle) >= MIN_SUBSTRING:
            pattern = re.compile(re.escape(needle), re.IGNORECASE)
        else:
            pattern = re.compile(rf"^{re.escape(needle)}$", re.IGNORECASE)
        result.append((pattern, replacement, needle))
    return result


def scrub(value: Any, replacements) -> Any:
    if isinstance(value, str):
        for pattern, replacement, _ in replacements:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, replacements) for v in value]
    return value


def pseudonym(member: Member) -> str:
    return "member-" + hashlib.sha256(f"{member.tenant_id}:{member.id}".encode()).hexdigest()[:12]


def export(member: Member) -> dict[str, Any]:
    """Everything the service holds about the member, as JSON-ready data."""
    accounts = profiles.accounts(member.id)
    data: dict[str, Any] = {
        "exported_at": clock.now(),
        "organization": {"name": current_tenant().name},
        "member": {
            field: getattr(member, field)
            for field in (
                "id",
                "email",
                "name",
                "department",
                "location",
                "locale",
                "title",
                "roles",
                "status",
                "headline",
                "bio",
                "photo_url",
                "leaderboard_visible",
                "participation_consent_at",
                "activated_at",
                "paused_at",
                "pause_note",
                "offboarded_at",
                "created_at",
            )
        },
        "social_accounts": [
            {
                "platform": a.platform,
                "handle": a.handle,
                "url": a.url,
                "followers": a.followers,
                "created_at": a.created_at,
            }
            for a in accounts
        ],
        "consent_history": [
            {
                "participation": c.participation,
                "leaderboard_visible": c.leaderboard_visible,
                "source": c.source,
                "at": c.created_at,
            }
            for c in consent.history(member.id)
        ],
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": t.created_at} for t in tokens.for_member(member.id)
        ],
        "actions": [
            {"action": e.action, "target_type": e.target_type, "target_id": e.target_id, "at": e.created_at}
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.actor_member_id == member.id).order_by(AuditEvent.created_at)
            )
        ],
    }
    for name, exporter in EXPORTERS.items():
        data[name] = exporter(member)
    audit.record("member.exported", "member", member.id)
    return data


def erase(member: Member) -> Member:
    """Erase a member's personal data; the member stays as an offboarded pseudonym."""
    if member.erased_at is not None:
        return member
    if member.status != "offboarded":
        offboard(member)
    label = pseudonym(member)
    replacements = identifying_replacements(member, label, [account.handle for account in profiles.accounts(member.id)])
    for eraser in ERASERS.values():
        eraser(member, label, replacements)
    notifications.pseudonymise(
        member.email,
        f"{label}@erased.invalid",
        [needle for _, _, needle in replacements],
        lambda text: scrub(text, replacements),
    )
    member.name = label
    member.email = f"{label}@erased.invalid"
    for field in ("department", "location", "title", "headline", "bio", "photo_url", "pause_note"):
        setattr(member, field, None)
    member.leaderboard_visible = False
    member.erased_at = clock.now()
    db.session.execute(delete(SocialAccount).where(SocialAccount.member_id == member.id))
    tokens.revoke_all(member.id)
    invitations.revoke_open(member.id)
    audit.record("member.erased", "member", member.id, after={"pseudonym": label})
    return member
