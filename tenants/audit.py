"""Audit log: who did what, when, with the state before and after, in the same transaction.

Append-only. Actions are ``noun.verb`` strings (``tenant.updated``, ``token.revoked``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.auth import calling_member_id
from app.db import Base, IdMixin, TenantOwned, db
from app.json import default as json_default
from app.pagination import cursor_page


class AuditEvent(IdMixin, TenantOwned, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_created", "tenant_id", "created_at", "id"),)

    actor_member_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str] = mapped_column(String(50))
    target_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


def _jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 UTC, ids as strings: audit rows are stored as JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, uuid.UUID)):
        return json_default(value)
    return value


def record(
    action: str,
    target_type: str,
    target_id: uuid.UUID | str | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_member_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Append an audit event to the current transaction."""
    request_id = g.get("request_id") if has_request_context() else None
    if actor_member_id is None:
        actor_member_id = calling_member_id()
    event = AuditEvent(
        actor_member_id=actor_member_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=request_id,
    )
    db.session.add(event)
    return event


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, for compact before/after records."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def page(cursor: str | None, limit: int, action: str | None = None) -> dict:
    statement = select(AuditEvent)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return cursor_page(statement, AuditEvent, cursor, limit)
