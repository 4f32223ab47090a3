"""The tenant's approval chain: N ordered levels, each decided by a member holding its role.

A tenant without its own chain uses :data:`DEFAULT_LEVELS`. A chain always has at least one
level, so no configuration can switch approval off where the policy requires it; a post keeps
the chain it was submitted under (``Post.levels``), so editing the chain never reroutes a
decision in progress.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth import Principal
from app.db import db
from engagement.posts.models import ApprovalChain
from tenants import audit

#: Roles that may decide a level (influencers decide nothing).
LEVEL_ROLES = ("approver", "program_lead", "hr", "admin", "owner")
MAX_LEVELS = 5
DEFAULT_LEVELS = [{"name": "Freigabe", "role": "approver"}]


def _row() -> ApprovalChain | None:
    return db.session.scalar(select(ApprovalChain))


def _levels_of(row: ApprovalChain | None) -> list[dict[str, str]]:
    return [dict(level) for level in (row.levels if row else DEFAULT_LEVELS)]


def levels() -> list[dict[str, str]]:
    """The current chain's levels, in order."""
    return _levels_of(_row())


def view() -> dict[str, Any]:
    return _view(_row())


def _view(row: ApprovalChain | None) -> dict[str, Any]:
    return {
        "levels": _levels_of(row),
        "is_default": row is None,
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by if row else None,
    }


def replace(new_levels: list[dict[str, str]], actor: Principal) -> dict[str, Any]:
    """Replace the chain (owner, admin); audited. Posts already submitted keep their chain."""
    row = _row()
    before = _levels_of(row)
    cleaned = [{"name": level["name"], "role": level["role"]} for level in new_levels]
    if row is None:
        row = ApprovalChain(levels=cleaned, updated_by=actor.member_id)
        db.session.add(row)
    else:
        row.levels, row.updated_by = cleaned, actor.member_id
    db.session.flush()
    if before != cleaned:
        audit.record(
            "governance.approval_chain_changed",
            "approval_chain",
            row.id,
            before={"levels": before},
            after={"levels": cleaned},
        )
    return _view(row)
