"""Consent: participation is voluntary; every change is kept with its time and source.

Withdrawing participation pauses the member (no posting, no ranking) and hides them from
leaderboards; consenting again brings a member paused that way back to active.
"""

from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.db import db
from app.errors import Conflict
from tenants import audit
from tenants.models import ConsentRecord, Member
from tenants.seats import require_seats


def record(member: Member, *, participation: bool, leaderboard_visible: bool, source: str) -> ConsentRecord:
    now = clock.now()
    if participation and member.participation_consent_at is None:
        member.participation_consent_at = now
    if not participation:
        member.participation_consent_at = None
    member.leaderboard_visible = bool(participation and leaderboard_visible)
    entry = ConsentRecord(
        member_id=member.id, participation=participation, leaderboard_visible=member.leaderboard_visible, source=source
    )
    db.session.add(entry)
    return entry


def update_own(member: Member, participation: bool | None, leaderboard_visible: bool | None) -> Member:
    """The member changes their own consent (``PUT /me/consent``)."""
    if member.status == "offboarded":
        raise Conflict("Offboarded members cannot change consent.")
    participating = member.participation_consent_at is not None if participation is None else participation
    visible = member.leaderboard_visible if leaderboard_visible is None else leaderboard_visible
    before = {
        "participation": member.participation_consent_at is not None,
        "leaderboard_visible": member.leaderboard_visible,
        "status": member.status,
    }
    if not participating and member.status == "active":
        member.status, member.paused_at, member.pause_reason = "paused", clock.now(), "consent_withdrawn"
    elif participating and member.status == "paused" and member.pause_reason == "consent_withdrawn":
        require_seats(1)
        member.status, member.paused_at, member.pause_reason, member.pause_note = "active", None, None, None
    record(member, participation=participating, leaderboard_visible=visible, source="self")
    after = {"participation": participating, "leaderboard_visible": member.leaderboard_visible, "status": member.status}
    old, new = audit.changes(before, after)
    if new:
        audit.record("member.consent_changed", "member", member.id, before=old, after=new)
    return member


def history(member_id) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.member_id == member_id)
            .order_by(ConsentRecord.created_at, ConsentRecord.id)
        )
    )
