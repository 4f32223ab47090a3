"""A member's gamification data in their export, and pseudonymised in correction reasons on erasure.

Ledger entries stay (they are the record the totals rest on) and hold only the member id; the
one free text, a correction's ``reason``, is scrubbed of the member's name, email and handles.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import db
from gamification import badges, ledger, milestones
from gamification.models import PointEntry
from tenants import data_rights
from tenants.models import Member


def export_member(member: Member) -> dict[str, Any]:
    entries = db.session.scalars(
        select(PointEntry).where(PointEntry.member_id == member.id).order_by(PointEntry.created_at, PointEntry.id)
    )
    return {
        "points_total": ledger.total(member.id),
        "ledger": [
            {
                "rule": e.rule,
                "points": e.points,
                "reason": e.reason,
                "occurred_at": e.occurred_at,
                "created_at": e.created_at,
            }
            for e in entries
        ],
        "badges": [{"badge": key, "awarded_at": at} for key, at in sorted(badges.awarded(member.id).items())],
        "milestones": [
            {"milestone": key, "achieved_at": at} for key, at in sorted(milestones.achieved(member.id).items())
        ],
    }


def erase_member(member: Member, label: str, replacements) -> int:
    """Replace the member's identifying strings in the reasons of their entries; returns how many changed."""
    changed = 0
    for entry in db.session.scalars(
        select(PointEntry).where(PointEntry.member_id == member.id, PointEntry.reason.is_not(None))
    ):
        scrubbed = data_rights.scrub(entry.reason, replacements)
        if scrubbed != entry.reason:
            entry.reason = scrubbed
            changed += 1
    return changed
