"""Who sees which posts, and the approver's queue.

Staff (``posts:read_all``) see every post. Everyone else sees their own posts, the posts
waiting for a decision they may take now (their queue) and the posts they have decided.
Anything else answers 404, exactly like a missing post.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select

from app.auth import Principal
from app.db import db
from app.errors import Conflict, NotFound
from engagement.posts.models import Post, PostDecision


def awaiting_decision_by(principal: Principal):
    """SQL condition: the post waits at a level the caller may decide now (four-eyes kept)."""
    if not principal.has("posts:decide"):
        return false()
    decided_this_round = exists().where(
        PostDecision.post_id == Post.id,
        PostDecision.tenant_id == Post.tenant_id,
        PostDecision.round == Post.round,
        PostDecision.member_id == principal.member_id,
    )
    return and_(
        Post.status == "pending_approval",
        Post.awaiting_role.in_(principal.roles),
        Post.member_id != principal.member_id,
        ~decided_this_round,
    )


def _decided_by(principal: Principal):
    return exists().where(
        PostDecision.post_id == Post.id,
        PostDecision.tenant_id == Post.tenant_id,
        PostDecision.member_id == principal.member_id,
    )


def _decided_this_round():
    return exists().where(
        PostDecision.post_id == Post.id, PostDecision.tenant_id == Post.tenant_id, PostDecision.round == Post.round
    )


def _visible(principal: Principal):
    if principal.has("posts:read_all"):
        return None
    return or_(Post.member_id == principal.member_id, awaiting_decision_by(principal), _decided_by(principal))


def get(post_id: uuid.UUID, principal: Principal, *, for_update: bool = False, to_decide: bool = False) -> Post:
    """The post if the caller may see it, else 404.

    ``to_decide``: any post waiting for approval is found for members who decide posts, so
    a decision by the wrong role or against four-eyes answers 403 rather than 404, and so is
    a post decided in its current round: a decision that comes too late answers 409.

    ``for_update``: who may see the post is judged as the request found it, then the row is
    locked by its id alone. Locking with the visibility condition would let PostgreSQL re-check
    it on the row a concurrent transaction just committed, so the loser of a decision race
    would be told 404 instead of 409. A decision whose level was decided while it waited for
    the lock answers 409 rather than deciding the next level unseen.
    """
    statement = select(Post).where(Post.id == post_id)
    visible = _visible(principal)
    if visible is not None and to_decide and principal.has("posts:decide"):
        visible = or_(visible, Post.status == "pending_approval", _decided_this_round())
    if visible is not None:
        statement = statement.where(visible)
    post = db.session.scalar(statement)
    if post is None:
        raise NotFound("No such post.")
    if for_update:
        seen = (post.status, post.round, post.current_level)
        post = db.session.scalar(
            select(Post).where(Post.id == post_id).with_for_update().execution_options(populate_existing=True)
        )
        if post is None:
            raise NotFound("No such post.")
        if to_decide and (post.status, post.round, post.current_level) != seen:
            raise Conflict("The post's current level was decided while this decision waited; reload the post.")
    return post


def list_query(principal: Principal, filters: dict[str, Any]) -> Select:
    """Posts the caller may see, newest first; ``queue`` keeps only those awaiting their decision."""
    statement = select(Post)
    visible = _visible(principal)
    if visible is not None:
        statement = statement.where(visible)
    if filters.get("queue"):
        statement = statement.where(awaiting_decision_by(principal))
    for field in ("status", "member_id", "platform"):
        if filters.get(field):
            statement = statement.where(getattr(Post, field) == filters[field])
    return statement.order_by(Post.created_at.desc(), Post.id.desc())
