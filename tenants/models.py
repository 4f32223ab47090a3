"""Tenants (organisations) and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TenantOwned, TimestampMixin

INDUSTRIES = ("generic", "healthcare", "medtech", "pharma", "finance", "public")
GOVERNANCE_MODES = ("empowerment", "containment")
MEMBER_STATUSES = ("invited", "active", "paused", "offboarded")


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
