"""Tables of gamification: the points ledger and the aggregates maintained with it, activities
(the facts points, badges, milestones and challenges are counted from), badges, milestones,
challenges and the tenant's point rules and levels.

The ledger and the activities are append-only. Aggregate tables (``member_points``,
``member_counters``, ``challenge_progress``, ``point_caps``) are keyed by what they aggregate
rather than by a surrogate id: they are written by upserts in the ledger's transaction and can
be rebuilt from the ledger and the activities (``flask gamification rebuild``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, tenant_fk

#: Leaderboard periods; ``all`` is one period that starts at :data:`ALL_TIME_START`.
PERIODS = ("week", "month", "quarter", "all")
ALL_TIME_START = date(1970, 1, 1)


def _member_fk() -> ForeignKeyConstraint:
    return tenant_fk("member_id", "members")


class TenantKeyed(TenantOwned):
    """Tenant-owned, with ``tenant_id`` leading a natural primary key (aggregates, facts)."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-1
    )


class GamificationSettings(IdMixin, TenantOwned, Base):
    """The tenant's point rules (versioned: every change is a new version) and level thresholds."""

    __tablename__ = "gamification_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rules_version: Mapped[int] = mapped_column(default=1)
    rules_updated_at: Mapped[datetime | None]
    levels: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[uuid.UUID | None]


class PointEntry(IdMixin, TenantOwned, Base):
    """One line of the append-only points ledger.

    ``(source_key, rule)`` is unique: a domain event retried any number of times yields one
    entry per rule. A correction is a new entry with ``reverses_id`` and the opposite points;
    nothing is ever updated or deleted. ``occurred_at`` places the entry in leaderboard periods
    (a reversal takes the original's, so the period it corrects is corrected).
    """

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "source_key", "rule"),
        _member_fk(),
        Index("ix_point_entries_member_created", "tenant_id", "member_id", "created_at", "id"),
        Index("ix_point_entries_member_occurred", "tenant_id", "member_id", "occurred_at"),
    )

    member_id: Mapped[uuid.UUID]
    rule: Mapped[str] = mapped_column(String(40))
    points: Mapped[int]
    source_key: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    rule_version: Mapped[int | None]
    reverses_id: Mapped[uuid.UUID | None]
    actor_member_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class MemberPoints(TenantKeyed, Base):
    """A member's points in one leaderboard period, with what the boards filter on.

    ``department_key``/``location_key`` (case-folded), ``active`` and ``listed`` (active and
    opted in to appear by name) are copies of the member's, kept current when the member
    changes (:mod:`gamification.standings`), so a board is one index range scan.
    """

    __tablename__ = "member_points"
    __table_args__ = (
        _member_fk(),
        Index(
            "ix_member_points_board",
            "tenant_id",
            "period",
            "period_start",
            "points",
            "member_id",
            postgresql_where=text("listed"),
            sqlite_where=text("listed"),
        ),
        Index(
            "ix_member_points_department",
            "tenant_id",
            "period",
            "period_start",
            "department_key",
            "points",
            "member_id",
            postgresql_where=text("listed"),
            sqlite_where=text("listed"),
        ),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    department_key: Mapped[str | None] = mapped_column(String(300))
    location_key: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    listed: Mapped[bool] = mapped_column(default=False)


class PointsHistogram(TenantKeyed, Base):
    """How many listed members of a board have exactly ``points`` in a period.

    A caller's rank is 1 + the members above them: the sum over the distinct point values
    above theirs (hundreds of rows) rather than a count over every member above (up to all of
    them). ``scope`` is the whole board (``""``), one department (``d:<key>``) or one location
    (``l:<key>``). Kept in step with ``member_points`` (:mod:`gamification.histogram`).
    """

    __tablename__ = "points_histogram"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(310), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    members: Mapped[int] = mapped_column(BigInteger, default=0)


class Activity(TenantKeyed, Base):
    """A fact that counts: a post published, a module passed, a unique click, ...

    One row per ``(metric, source_key)``, so a fact is counted once however often its event
    arrives. ``details`` carries what challenges filter on (platform, topics).
    """

    __tablename__ = "member_activities"
    __table_args__ = (
        _member_fk(),
        Index("ix_member_activities_member_metric", "tenant_id", "member_id", "metric", "occurred_at"),
    )

    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    member_id: Mapped[uuid.UUID]
    subject_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime]


class MemberCounter(TenantKeyed, Base):
    """All-time count of one metric of one member (maintained with the activities)."""

    __tablename__ = "member_counters"
    __table_args__ = (_member_fk(),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class PointCap(TenantKeyed, Base):
    """How much of a capped rule was used under one key (e.g. click points of a post on a day)."""

    __tablename__ = "point_caps"

    cap_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Badge(IdMixin, TenantOwned, Base):
    """A tenant-defined badge: awarded when ``metric`` reaches ``threshold`` (within ``window_days``)."""

    __tablename__ = "badges"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), Index("ix_badges_tenant_created", "tenant_id", "created_at"))

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(BigInteger)
    window_days: Mapped[int | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    retired_at: Mapped[datetime | None]


class BadgeAward(TenantKeyed, Base):
    """A badge a member earned, once, with the time (``badge_key``: built-in key or badge id)."""

    __tablename__ = "badge_awards"
    __table_args__ = (_member_fk(),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    badge_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(default=clock.now)


class MilestoneAchievement(TenantKeyed, Base):
    """A personal-branding milestone a member reached, once, with the time."""

    __tablename__ = "milestone_achievements"
    __table_args__ = (_member_fk(),)

    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    milestone: Mapped[str] = mapped_column(String(40), primary_key=True)
    achieved_at: Mapped[datetime] = mapped_column(default=clock.now)


class Challenge(IdMixin, TenantOwned, Base):
    """A time-boxed goal: ``target`` of ``metric`` between ``starts_at`` and ``ends_at`` for a bonus."""

    __tablename__ = "challenges"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index("ix_challenges_tenant_window", "tenant_id", "starts_at", "ends_at"),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(40))
    target: Mapped[int]
    topic: Mapped[str | None] = mapped_column(String(100))
    platform: Mapped[str | None] = mapped_column(String(20))
    departments: Mapped[list[str]] = mapped_column(default=list)
    bonus_points: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    cancelled_at: Mapped[datetime | None]


class ChallengeProgress(TenantKeyed, Base):
    """A member's count towards a challenge and when they completed it."""

    __tablename__ = "challenge_progress"
    __table_args__ = (_member_fk(), tenant_fk("challenge_id", "challenges"))

    challenge_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    progress: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None]
