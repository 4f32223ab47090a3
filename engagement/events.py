"""The events engagement emits (the catalogue: ``app.events``).

Posts' events share the post's identity: ``post_id``, ``member_id`` (the author), ``platform`` and
``content_id`` (the shared library item, None for an own post).

Version history:

- ``engagement.post_published`` 2 and ``engagement.link_clicked`` 2: add ``topics``, the shared
  item's topic keys, so gamification's topic challenges need not read the content library.
  Events emitted before lack it; listeners then take no topics.
- ``engagement.link_clicked`` 3: ``day`` is the tenant's calendar day (its ``timezone``), as in
  the click reports and the leaderboards, no longer the UTC day. Same fields.
"""

from __future__ import annotations

from app import events

_POST = {
    "post_id": "the post",
    "member_id": "its author",
    "platform": "the network it is for",
    "content_id": "the shared library item (None for an own post)",
}
_TOPICS = {
    "topics": "the shared item's topic keys, trimmed and case-folded, sorted ([] for an own post); since version 2"
}

POST_SUBMITTED = events.declare(
    "engagement.post_submitted",
    version=1,
    fields={
        **_POST,
        "round": "the approval round the submission opens",
        "needs_approval": "whether the policy sends it through the approval chain",
    },
    doc="A member submitted a post.",
)

POST_APPROVED = events.declare(
    "engagement.post_approved",
    version=1,
    fields={
        **_POST,
        "route": "how: automatic, library (unchanged caption) or chain",
        "version": "the post version approved",
    },
    doc="A post was approved and may be published.",
)

POST_PUBLISHED = events.declare(
    "engagement.post_published",
    version=2,
    fields={
        **_POST,
        "version": "the post version published",
        "external_url": "where it was published (may be None)",
        **_TOPICS,
    },
    doc="A member published a post. Gamification counts it, pays points and moves challenges.",
)

LINK_CLICKED = events.declare(
    "engagement.link_clicked",
    version=3,
    fields={
        **_POST,
        "link_id": "the tracking link",
        "day": "the day counted (ISO date in the tenant's time zone; UTC before version 3)",
        "unique": "whether the visitor is new for the link that day",
        **_TOPICS,
    },
    doc="A counted click on a post's tracking link. Gamification pays points for unique ones.",
)

METRICS_RECORDED = events.declare(
    "engagement.metrics_recorded",
    version=1,
    fields={
        "accepted": "observations stored",
        "duplicates": "observations already known",
        "post_ids": "the posts with stored observations, sorted",
        "counts": "post id -> observations stored",
    },
    doc="A batch of metric observations was ingested.",
)
