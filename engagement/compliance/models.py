"""Compliance rules of a tenant and the version marker that invalidates compiled rule sets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, TimestampMixin


class ComplianceRule(IdMixin, TenantOwned, TimestampMixin, Base):
    """One rule (see ``engagement.compliance.engine`` for what each kind matches).

    Rules added by a preset keep the preset's name and the rule's key within it, so applying
    the preset again adds only what is missing (``(tenant_id, preset, preset_key)`` is unique).
    """

    __tablename__ = "compliance_rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "preset", "preset_key"),
        Index("ix_compliance_rules_created", "tenant_id", "created_at", "id"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(String(500))
    terms: Mapped[list[str] | None]
    pattern: Mapped[str | None] = mapped_column(Text)
    max_links: Mapped[int | None]
    locales: Mapped[list[str] | None]
    platforms: Mapped[list[str] | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    preset: Mapped[str | None] = mapped_column(String(40))
    preset_key: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[uuid.UUID | None]


class ComplianceRuleSet(IdMixin, TenantOwned, Base):
    """A tenant's rule-set version: bumped on every rule change, so caches know when to recompile."""

    __tablename__ = "compliance_rule_sets"
    __table_args__ = (UniqueConstraint("tenant_id"), UniqueConstraint("tenant_id", "id"))

    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
