"""A library item's topics as its events carry them (``engagement.post_published``,
``engagement.link_clicked``): the case-folded keys, sorted.

Apart from ``services`` because the posts workflow and tracking need it, and ``services`` itself
imports the posts workflow.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.db import db
from engagement.content.models import ContentTag


def keys_of(content_id: uuid.UUID | None) -> list[str]:
    """The topic keys of the item ``content_id`` ([] for none: an own post)."""
    if content_id is None:
        return []
    return sorted(
        db.session.scalars(
            select(ContentTag.key).where(ContentTag.content_id == content_id, ContentTag.kind == "topic")
        )
    )
