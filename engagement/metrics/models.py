"""Metric observations (append-only) and the latest cumulative value per post and metric."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, tenant_fk

#: What a platform counts for a post; every value is cumulative (the count so far).
METRICS = ("impressions", "reactions", "comments", "reshares", "clicks")


class MetricObservation(IdMixin, TenantOwned, Base):
    """One cumulative count of one metric of one post, as observed at ``observed_at``.

    Append-only. The unique key makes ingestion idempotent: the same observation sent twice is
    stored once.
    """

    __tablename__ = "metric_observations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "post_id", "metric", "observed_at"),
        tenant_fk("post_id", "posts"),
    )

    post_id: Mapped[uuid.UUID]
    metric: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)


class PostMetric(IdMixin, TenantOwned, Base):
    """The current value of one metric of one post: the observation with the latest ``observed_at``.

    Maintained in the ingesting transaction, so reports read one row per post and metric
    instead of scanning the observations.
    """

    __tablename__ = "post_metrics"
    __table_args__ = (
        UniqueConstraint("tenant_id", "post_id", "metric"),
        tenant_fk("post_id", "posts"),
    )

    post_id: Mapped[uuid.UUID]
    metric: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(BigInteger)
    observed_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


# -- rollups (maintained by PostgreSQL triggers, migration 0019; see engagement.metrics.rollups) --


class PostSums:
    """The figures a post contributes to the stats, summed per post and per day alike."""

    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    reactions: Mapped[int] = mapped_column(BigInteger, default=0)
    comments: Mapped[int] = mapped_column(BigInteger, default=0)
    reshares: Mapped[int] = mapped_column(BigInteger, default=0)
    platform_clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    tracked_clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    unique_clicks: Mapped[int] = mapped_column(BigInteger, default=0)


class PostStat(PostSums, IdMixin, TenantOwned, Base):
    """One published post with its potential reach, current metric values and tracking clicks."""

    __tablename__ = "post_stats"
    __table_args__ = (
        UniqueConstraint("tenant_id", "post_id"),
        tenant_fk("post_id", "posts"),
        Index("ix_post_stats_tenant_member", "tenant_id", "member_id", "published_at"),
        Index("ix_post_stats_tenant_published", "tenant_id", "published_at", postgresql_include=["member_id"]),
    )

    post_id: Mapped[uuid.UUID]
    member_id: Mapped[uuid.UUID]
    platform: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)


class StatsDay(PostSums, IdMixin, TenantOwned, Base):
    """The sums of :class:`PostStat` per UTC day of publication and platform; ``clicks`` adds up
    the larger of platform and tracked clicks per post."""

    __tablename__ = "stats_days"
    __table_args__ = (UniqueConstraint("tenant_id", "day", "platform"),)

    day: Mapped[date] = mapped_column(Date)
    platform: Mapped[str] = mapped_column(String(20))
    posts: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsMember(IdMixin, TenantOwned, Base):
    """A member's published posts (for the count of members posting)."""

    __tablename__ = "stats_members"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id"), tenant_fk("member_id", "members"))

    member_id: Mapped[uuid.UUID]
    posts: Mapped[int] = mapped_column(BigInteger, default=0)


class StatsTenant(IdMixin, TenantOwned, Base):
    """Members with at least one published post, and active members (the participation rate's base)."""

    __tablename__ = "stats_tenants"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    members_posting: Mapped[int] = mapped_column(BigInteger, default=0)
    active_members: Mapped[int] = mapped_column(BigInteger, default=0)
