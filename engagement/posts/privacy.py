"""A member's posts and approval decisions in their export.

Erasure of post texts is the archive's and the posts' retention business (see
``engagement.archive.services.erase_member``); the export lists what is held today.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import db
from engagement.posts.models import Post, PostDecision
from tenants.models import Member

_POST_FIELDS = (
    "id",
    "platform",
    "locale",
    "content_id",
    "text",
    "version",
    "status",
    "submitted_at",
    "approved_at",
    "rejected_at",
    "published_at",
    "withdrawn_at",
    "external_url",
    "potential_reach",
    "created_at",
)


def export_member(member: Member) -> dict[str, Any]:
    posts = db.session.scalars(select(Post).where(Post.member_id == member.id).order_by(Post.created_at, Post.id))
    decisions = db.session.scalars(
        select(PostDecision)
        .where(PostDecision.member_id == member.id)
        .order_by(PostDecision.decided_at, PostDecision.id)
    )
    return {
        "posts": [{field: getattr(p, field) for field in _POST_FIELDS} for p in posts],
        "approval_decisions": [
            {
                "post_id": d.post_id,
                "level": d.level_name,
                "role": d.role,
                "decision": d.decision,
                "comment": d.comment,
                "at": d.decided_at,
            }
            for d in decisions
        ],
    }
