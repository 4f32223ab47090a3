"""Tracking links, their daily click counts and the day's visitor fingerprints (for unique clicks).

``tracking_links`` is looked up by its public ``code`` before the tenant is known: on PostgreSQL
its RLS policy also admits the one row whose code equals ``app.credential_hash`` (see
:func:`app.tenancy.by_credential`). No raw IP address is stored anywhere: a click's visitor is a
keyed hash of (link, IP, user agent) under a key that changes every day, kept only to count that
day's unique clicks and purged afterwards (``flask tracking purge-visitors``). The redirect
buffers clicks; ``tracking_click_batches`` records which batches were folded into the counts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.db import Base, IdMixin, TenantOwned, tenant_fk

CODE_LENGTH = 8
TARGET_URL_MAX = 2000


class TrackingLink(IdMixin, TenantOwned, Base):
    """One short code per post. Platform, author and content are copied from the post (they never
    change once it exists), so a redirect reads one row."""

    __tablename__ = "tracking_links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "post_id"),
        UniqueConstraint("code"),
        tenant_fk("post_id", "posts"),
        tenant_fk("member_id", "members"),
    )

    post_id: Mapped[uuid.UUID]
    member_id: Mapped[uuid.UUID]
    platform: Mapped[str] = mapped_column(String(20))
    content_id: Mapped[uuid.UUID | None]
    code: Mapped[str] = mapped_column(String(16))
    target_url: Mapped[str] = mapped_column(String(TARGET_URL_MAX))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TrackingClickDay(IdMixin, TenantOwned, Base):
    """Clicks of one link on one day of the tenant's time zone: every counted click and the unique visitors among them."""

    __tablename__ = "tracking_click_days"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "link_id", "day"),
        tenant_fk("link_id", "tracking_links"),
        Index("ix_tracking_click_days_tenant_day", "tenant_id", "day"),
    )

    link_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)
    clicks: Mapped[int] = mapped_column(default=0)
    unique_clicks: Mapped[int] = mapped_column(default=0)


class TrackingVisitor(IdMixin, TenantOwned, Base):
    """A keyed hash standing for one visitor of one link on one day; purged once the day is over."""

    __tablename__ = "tracking_visitors"
    __table_args__ = (
        UniqueConstraint("tenant_id", "link_id", "day", "visitor_hash"),
        tenant_fk("link_id", "tracking_links"),
        Index("ix_tracking_visitors_tenant_day", "tenant_id", "day"),
    )

    link_id: Mapped[uuid.UUID]
    day: Mapped[date] = mapped_column(Date)
    visitor_hash: Mapped[str] = mapped_column(String(64))


class TrackingClickBatch(IdMixin, TenantOwned, Base):
    """A batch of buffered clicks folded for this tenant (:mod:`engagement.tracking.clicks`):
    folding the same batch again finds it here and changes nothing."""

    __tablename__ = "tracking_click_batches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "batch_id"),
        Index("ix_tracking_click_batches_tenant_processed", "tenant_id", "processed_at"),
    )

    batch_id: Mapped[str] = mapped_column(String(64))
    clicks: Mapped[int]
    processed_at: Mapped[datetime] = mapped_column(default=clock.now)
