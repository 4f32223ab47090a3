"""Posts, their versions, approval decisions and the tenant's approval chain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, TimestampMixin, tenant_fk

POST_STATUSES = ("draft", "pending_approval", "approved", "rejected", "published", "withdrawn")
DECISIONS = ("approve", "reject")
#: How a post became approved: through every level of the chain, directly because the policy
#: did not ask for approval (Empowerment without blocking findings), or as an unchanged caption
#: of a content library item (centrally approved content).
APPROVAL_ROUTES = ("chain", "automatic", "library")


class ApprovalChain(IdMixin, TenantOwned, Base):
    """The tenant's ordered approval levels; each level names the role that decides it."""

    __tablename__ = "approval_chains"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id"))

    levels: Mapped[list] = mapped_column(JSON)
    updated_by: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class Post(IdMixin, TenantOwned, TimestampMixin, Base):
    """A member's post for one platform, from draft to publication.

    ``round`` counts submissions: decisions belong to one round, so a rejected and edited post
    starts the chain afresh. ``levels`` is the chain as it was when the round began.
    """

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("member_id", "members"),
        Index("ix_posts_tenant_member_created", "tenant_id", "member_id", "created_at"),
        Index("ix_posts_tenant_status_created", "tenant_id", "status", "created_at"),
        Index("ix_posts_tenant_awaiting", "tenant_id", "awaiting_role", "awaiting_since"),
        Index("ix_posts_tenant_content_created", "tenant_id", "content_id", "created_at"),
    )

    member_id: Mapped[uuid.UUID]
    platform: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(10))
    content_id: Mapped[uuid.UUID | None]
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    round: Mapped[int] = mapped_column(default=0)
    levels: Mapped[list | None] = mapped_column(JSON)
    current_level: Mapped[int | None]
    awaiting_role: Mapped[str | None] = mapped_column(String(20))  # role deciding the current level
    awaiting_since: Mapped[datetime | None]  # when the current level was reached (reminders)
    approval_route: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    external_url: Mapped[str | None] = mapped_column(String(2000))
    potential_reach: Mapped[int | None]  # the author's followers on the platform at publication
    reminded_at: Mapped[datetime | None]


class PostVersion(IdMixin, TenantOwned, Base):
    """Every text a post has had: who wrote what, and what the rules found in it."""

    __tablename__ = "post_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "post_id", "version"),
        tenant_fk("post_id", "posts"),
    )

    post_id: Mapped[uuid.UUID]
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    edited_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PostDecision(IdMixin, TenantOwned, Base):
    """One approver's decision on one level of one submission round."""

    __tablename__ = "post_decisions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "post_id", "round", "level"),
        tenant_fk("post_id", "posts"),
        tenant_fk("member_id", "members"),
    )

    post_id: Mapped[uuid.UUID]
    round: Mapped[int]
    level: Mapped[int]
    level_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[uuid.UUID]
    post_version: Mapped[int]
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(String(2000))
    decided_at: Mapped[datetime] = mapped_column(default=clock.now)
