"""Tenants (organisations) and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, TimestampMixin, tenant_fk
from app.notifications import OutboxDelivery

INDUSTRIES = ("generic", "healthcare", "medtech", "pharma", "finance", "public")
GOVERNANCE_MODES = ("empowerment", "containment")
MEMBER_STATUSES = ("invited", "active", "paused", "offboarded")
SOCIAL_PLATFORMS = ("linkedin", "x", "facebook", "instagram", "tiktok", "youtube", "xing", "pinterest")


class Tenant(IdMixin, TimestampMixin, Base):
    """An organisation running a program. The registry of tenants is not itself tenant-owned."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    industry: Mapped[str] = mapped_column(String(20))
    governance_mode: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    plan: Mapped[str] = mapped_column(String(30), default="free")
    seat_limit: Mapped[int] = mapped_column(default=25)


class Member(IdMixin, TenantOwned, TimestampMixin, Base):
    """A person in a tenant: an employee, an HR manager, an approver, an owner."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "email"),
        Index("ix_members_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_members_tenant_status", "tenant_id", "status"),
        Index("ix_members_tenant_department", "tenant_id", "department", "created_at", "id"),
    )

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(10), default="de")
    title: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(default=lambda: ["influencer"])
    status: Mapped[str] = mapped_column(String(20), default="invited")
    leaderboard_visible: Mapped[bool] = mapped_column(default=False)
    participation_consent_at: Mapped[datetime | None]
    headline: Mapped[str | None] = mapped_column(String(220))
    bio: Mapped[str | None] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    activated_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(30))  # consent_withdrawn | staff
    #: Staff's free-text reason for a pause (``POST /members/{id}/pause``); cleared on reactivation.
    pause_note: Mapped[str | None] = mapped_column(String(500))
    offboarded_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles) & set(roles))


class Invitation(IdMixin, TenantOwned, OutboxDelivery, Base):
    """A single-use invitation secret (stored hashed) that lets an employee join and consent.

    It is also the outbox of its email (``email_*`` columns): the sending job renders the email
    with the secret, which is derived from the application key and the invitation id.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("member_id", "members"),
        Index("ix_invitations_member", "tenant_id", "member_id"),
    )

    member_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ConsentRecord(IdMixin, TenantOwned, Base):
    """Append-only history of a member's consent: every change with its time and source."""

    __tablename__ = "consent_records"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("member_id", "members"),
        Index("ix_consent_member", "tenant_id", "member_id", "created_at"),
    )

    member_id: Mapped[uuid.UUID]
    participation: Mapped[bool]
    leaderboard_visible: Mapped[bool]
    source: Mapped[str] = mapped_column(String(30))  # invitation | self | signup
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class SocialAccount(IdMixin, TenantOwned, TimestampMixin, Base):
    """A member's account on a social network, with its audience size (potential reach)."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "member_id", "platform"),
        tenant_fk("member_id", "members"),
    )

    member_id: Mapped[uuid.UUID]
    platform: Mapped[str] = mapped_column(String(20))
    handle: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    followers: Mapped[int] = mapped_column(default=0)


class MemberImport(IdMixin, TenantOwned, Base):
    """An uploaded CSV waiting for (or processed by) its import job; content is cleared after."""

    __tablename__ = "member_imports"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    job_id: Mapped[uuid.UUID | None]
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
