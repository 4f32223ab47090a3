"""Tables of the content library: items, their captions and their tags (topics and targeting)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TenantOwned, TimestampMixin, tenant_fk

KINDS = ("article", "image", "video", "statement")
#: Only official statements (the company's position, e.g. in a crisis) may be pinned.
PINNABLE_KINDS = ("statement",)


class ContentItem(IdMixin, TenantOwned, TimestampMixin, Base):
    """An article, image, video or statement that members may share.

    Live while not archived and inside its validity window (``starts_at`` inclusive,
    ``ends_at`` exclusive, either open). Archiving is a soft delete: posts that shared the
    item keep pointing at it and it stays readable.
    """

    __tablename__ = "content_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index("ix_content_items_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_content_items_tenant_window", "tenant_id", "archived_at", "starts_at", "ends_at"),
    )

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None]
    archived_at: Mapped[datetime | None]
    archived_by: Mapped[uuid.UUID | None]


class ContentCaption(IdMixin, TenantOwned, Base):
    """A ready-to-post text of an item for one locale, for one platform or (null) any."""

    __tablename__ = "content_captions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk("content_id", "content_items"),
        Index("ix_content_captions_tenant_content", "tenant_id", "content_id"),
    )

    content_id: Mapped[uuid.UUID]
    position: Mapped[int]
    locale: Mapped[str] = mapped_column(String(10))
    platform: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)


class ContentTag(IdMixin, TenantOwned, Base):
    """A topic of an item or a department / location it is targeted to.

    ``value`` as the staff wrote it, ``key`` its case-folded form that matching uses.
    """

    __tablename__ = "content_tags"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "content_id", "kind", "key"),
        tenant_fk("content_id", "content_items"),
        Index("ix_content_tags_tenant_kind_key", "tenant_id", "kind", "key"),
    )

    content_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(300))  # casefold() can lengthen a value
