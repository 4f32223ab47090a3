"""The archive's tables: the append-only entries of each tenant's hash chain, and its head.

``archive_entries`` is append-only. Two changes are allowed and both keep the chain verifiable:
erasure replaces a payload with a pseudonymised one (``redacted_at``; the entry keeps the
original ``payload_hash``, which the entry hash covers), and retention deletes the oldest
entries (the head's ``pruned_seq``/``pruned_hash`` anchor the chain where they were cut).

``archive_heads`` has one row per tenant: the newest entry's sequence number and hash (so a
deleted newest entry is detected too), the retention anchor, and the row appends serialise on.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app import clock
from app.db import Base, IdMixin, TenantOwned
from engagement.archive import chain

HASH_LENGTH = 64  # SHA-256, hex


class CanonicalJSON(TypeDecorator):
    """A JSON column written in the archive's canonical form (:func:`chain.stored_json`).

    PostgreSQL's ``json`` (unlike ``jsonb``) and SQLite keep the text as written, so verifying
    a payload hashes the stored text instead of parsing and encoding it again. Read as JSON.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.driver == "psycopg":
            from psycopg.types.json import Json

            return lambda value: Json(value, dumps=chain.stored_json)
        return chain.stored_json


class ArchiveEntry(IdMixin, TenantOwned, Base):
    """One archived fact: a post version, a decision, a publication, a mode switch, ..."""

    __tablename__ = "archive_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_archive_entries_kind", "tenant_id", "kind", "seq"),
        Index("ix_archive_entries_subject", "tenant_id", "subject_id", "seq"),
        Index("ix_archive_entries_recorded", "tenant_id", "recorded_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID | None]
    actor_member_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(CanonicalJSON())
    payload_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    entry_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    redacted_at: Mapped[datetime | None]


class ArchiveHead(IdMixin, TenantOwned, Base):
    """The tenant's chain head and retention anchor (one row per tenant)."""

    __tablename__ = "archive_heads"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id"))

    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    #: Entries with ``seq <= pruned_seq`` were deleted by retention; ``pruned_hash`` is the
    #: entry hash of entry ``pruned_seq`` (the genesis hash while nothing was pruned).
    pruned_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    pruned_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
