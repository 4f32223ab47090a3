"""The member's own profile and personal brand: profile fields and social accounts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app import events
from app.db import db
from app.errors import Conflict, NotFound
from tenants.events import PROFILE_CHANGED
from tenants.models import Member, SocialAccount

#: What a complete profile has; drives the "profile completed" milestone.
COMPLETENESS_PARTS = ("headline", "bio", "photo", "social_account")


def _changed(member_id: uuid.UUID) -> None:
    events.emit(PROFILE_CHANGED, {"member_id": str(member_id)})


def update_me(member: Member, changes: dict[str, Any]) -> Member:
    for field in ("name", "locale"):
        if field in changes:
            setattr(member, field, changes[field])
    for field, value in (changes.get("profile") or {}).items():
        setattr(member, field, value)
    if changes.get("profile"):
        _changed(member.id)
    return member


def accounts(member_id: uuid.UUID) -> list[SocialAccount]:
    return list(
        db.session.scalars(
            select(SocialAccount).where(SocialAccount.member_id == member_id).order_by(SocialAccount.platform)
        )
    )


def followers(member_id: uuid.UUID, platform: str) -> int:
    """The member's followers on ``platform`` now (0 without an account there)."""
    count = db.session.scalar(
        select(SocialAccount.followers).where(SocialAccount.member_id == member_id, SocialAccount.platform == platform)
    )
    return count or 0


def get_account(member_id: uuid.UUID, account_id: uuid.UUID) -> SocialAccount:
    account = db.session.scalar(
        select(SocialAccount).where(SocialAccount.id == account_id, SocialAccount.member_id == member_id)
    )
    if account is None:
        raise NotFound("No such social account.")
    return account


def add_account(member: Member, data: dict[str, Any]) -> SocialAccount:
    exists = db.session.scalar(
        select(SocialAccount.id).where(SocialAccount.member_id == member.id, SocialAccount.platform == data["platform"])
    )
    if exists:
        raise Conflict(f"You already have a {data['platform']} account; update it instead.")
    account = SocialAccount(member_id=member.id, **data)
    db.session.add(account)
    db.session.flush()
    _changed(member.id)
    return account


def update_account(account: SocialAccount, changes: dict[str, Any]) -> SocialAccount:
    for field, value in changes.items():
        setattr(account, field, value)
    _changed(account.member_id)
    return account


def remove_account(account: SocialAccount) -> None:
    db.session.delete(account)
    _changed(account.member_id)


def completeness(member: Member, member_accounts: list[SocialAccount]) -> dict[str, Any]:
    have = {
        "headline": bool(member.headline),
        "bio": bool(member.bio),
        "photo": bool(member.photo_url),
        "social_account": bool(member_accounts),
    }
    done = sum(have.values())
    return {
        "percent": round(100 * done / len(COMPLETENESS_PARTS)),
        "complete": done == len(COMPLETENESS_PARTS),
        "missing": [part for part in COMPLETENESS_PARTS if not have[part]],
    }


def potential_reach(member_accounts: list[SocialAccount]) -> int:
    return sum(a.followers for a in member_accounts)
