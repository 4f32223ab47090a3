"""Training: module versions with lessons and quizzes, assignments, attempts, guidelines.

A module is a *lineage* of versions. A published version is immutable; revising creates the
next version as a draft. Attempts point at the exact version they were made on, so a
completion always says what the member actually passed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, TimestampMixin, tenant_fk

MODULE_KINDS = ("brand_values", "guidelines", "platform", "compliance", "custom")
MODULE_STATUSES = ("draft", "published", "archived")
QUESTION_KINDS = ("single", "multiple")


class Module(IdMixin, TenantOwned, TimestampMixin, Base):
    __tablename__ = "training_modules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "lineage_id", "version"),
        Index("ix_training_modules_status", "tenant_id", "status"),
    )

    lineage_id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)
    recertify_after_days: Mapped[int | None]
    max_attempts: Mapped[int | None]
    pass_score: Mapped[int] = mapped_column(default=80)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    template_key: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None]


class Lesson(IdMixin, TenantOwned, Base):
    __tablename__ = "training_lessons"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), tenant_fk("module_id", "training_modules"))

    module_id: Mapped[uuid.UUID]
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(500))


class Question(IdMixin, TenantOwned, Base):
    __tablename__ = "training_questions"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), tenant_fk("module_id", "training_modules"))

    module_id: Mapped[uuid.UUID]
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[str | None] = mapped_column(Text)


class Option(IdMixin, TenantOwned, Base):
    __tablename__ = "training_options"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), tenant_fk("question_id", "training_questions"))

    question_id: Mapped[uuid.UUID]
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool]


class Assignment(IdMixin, TenantOwned, Base):
    """A member's duty to complete a module lineage (any published version counts)."""

    __tablename__ = "training_assignments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "member_id", "lineage_id"),
        tenant_fk("member_id", "members"),
        tenant_fk("module_id", "training_modules"),
        Index("ix_training_assignments_due", "tenant_id", "due_at"),
    )

    member_id: Mapped[uuid.UUID]
    lineage_id: Mapped[uuid.UUID]
    module_id: Mapped[uuid.UUID]  # the version that was current when assigned
    due_at: Mapped[datetime | None]
    assigned_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: Attempts since this moment count (moves forward when a re-certification reopens it).
    opened_at: Mapped[datetime] = mapped_column(default=clock.now)
    completed_at: Mapped[datetime | None]
    completed_module_id: Mapped[uuid.UUID | None]
    best_score: Mapped[int | None]
    expires_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]


class Attempt(IdMixin, TenantOwned, Base):
    __tablename__ = "training_attempts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("member_id", "members"),
        tenant_fk("module_id", "training_modules"),
        Index("ix_training_attempts_member", "tenant_id", "member_id", "module_id"),
    )

    member_id: Mapped[uuid.UUID]
    module_id: Mapped[uuid.UUID]
    lineage_id: Mapped[uuid.UUID]
    answers: Mapped[list[dict[str, Any]]]
    score: Mapped[int]
    passed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Guideline(IdMixin, TenantOwned, Base):
    """A version of the tenant's social media guideline; the newest is current."""

    __tablename__ = "guidelines"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "version"))

    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class GuidelineAcknowledgement(IdMixin, TenantOwned, Base):
    __tablename__ = "guideline_acknowledgements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "guideline_id", "member_id"),
        tenant_fk("guideline_id", "guidelines"),
        tenant_fk("member_id", "members"),
    )

    guideline_id: Mapped[uuid.UUID]
    member_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
