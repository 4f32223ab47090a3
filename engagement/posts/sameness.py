"""The sameness nudge: many identical posts look fake, so say so before the author posts.

When a text is near-identical to the posts of several colleagues sharing the same content
item, a ``warn`` finding suggests making it personal. Near-identical means a Jaccard
similarity of word trigrams of at least :data:`NEAR_IDENTICAL` (robust to a changed word or
an added hashtag, cheap for a few hundred posts).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.db import db
from engagement.posts.models import Post

NEAR_IDENTICAL = 0.8
#: This many colleagues with near-identical texts trigger the nudge.
COLLEAGUES = 3
#: The most recent shares of an item compared against.
COMPARED = 200
_WORD = re.compile(r"\w+|#\w+", re.UNICODE)

MESSAGES = {
    "de": "{count} Kolleginnen und Kollegen haben fast denselben Text geteilt. Ein persönlicher Satz (warum Ihnen das wichtig ist) wirkt glaubwürdiger.",
    "en": "{count} colleagues shared nearly the same text. A personal sentence (why this matters to you) makes it more credible.",
}


def shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def similarity(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def findings(post: Post) -> list[dict[str, Any]]:
    """A ``warn`` finding when the post's text repeats what many colleagues posted of the same item."""
    if post.content_id is None:
        return []
    others = db.session.scalars(
        select(Post.text)
        .where(Post.content_id == post.content_id, Post.member_id != post.member_id, Post.status != "withdrawn")
        .order_by(Post.created_at.desc())
        .limit(COMPARED)
    )
    mine = shingles(post.text)
    count = sum(1 for text in others if similarity(mine, shingles(text)) >= NEAR_IDENTICAL)
    if count < COLLEAGUES:
        return []
    message = MESSAGES.get(post.locale, MESSAGES["en"]).format(count=count)
    return [
        {
            "rule_id": None,
            "kind": "sameness",
            "severity": "warn",
            "message": message,
            "start": 0,
            "end": len(post.text),
            "excerpt": None,
        }
    ]
