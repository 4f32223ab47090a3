"""Metric observations (append-only) and the latest cumulative value per post and metric."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String, UniqueConstraint
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
