"""Domain events through a transactional outbox.

:func:`emit` writes the event in the same transaction as the change that caused it; after the
commit a job dispatches it to every subscribed handler. Each handler's effect is recorded in
``event_deliveries`` (unique per event and handler) in the handler's own transaction, so a
retry or a crash never loses or doubles an effect. ``flask events redispatch`` re-enqueues
events whose dispatch was interrupted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, jobs, transactions
from app.db import Base, IdMixin, TenantOwned, db, tenant_fk

log = logging.getLogger(__name__)


class OutboxEvent(IdMixin, TenantOwned, Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index(
            "ix_outbox_events_undispatched",
            "tenant_id",
            "created_at",
            sqlite_where=text("dispatched_at IS NULL"),
            postgresql_where=text("dispatched_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    dispatched_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(2000))


class EventDelivery(IdMixin, TenantOwned, Base):
    """One handler's effect for one event: the idempotency key of event handling."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "handler"),
        tenant_fk("event_id", "outbox_events"),
    )

    event_id: Mapped[uuid.UUID]
    handler: Mapped[str] = mapped_column(String(200))
    delivered_at: Mapped[datetime] = mapped_column(default=clock.now)


Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[tuple[str, Handler]]] = {}


def handler(event_name: str) -> Callable[[Handler], Handler]:
    """Subscribe a function to an event. Its name (module.qualname) is its delivery key."""

    def register(fn: Handler) -> Handler:
        key = f"{fn.__module__}.{fn.__qualname__}"
        entries = _handlers.setdefault(event_name, [])
        if key not in {k for k, _ in entries}:
            entries.append((key, fn))
        return fn

    return register


def handlers_for(event_name: str) -> list[tuple[str, Handler]]:
    return list(_handlers.get(event_name, []))


def emit(name: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record a domain event in the current transaction; dispatch follows the commit."""
    event = OutboxEvent(name=name, payload=payload)
    db.session.add(event)
    db.session.flush()
    tenant_id, event_id = event.tenant_id, event.id
    transactions.on_commit(lambda: jobs.enqueue(dispatch, tenant_id, str(event_id)))
    return event


def dispatch(event_id: str) -> None:
    """Job: deliver one event to each handler that has not yet handled it."""
    event = db.session.get(OutboxEvent, uuid.UUID(event_id))
    if event is None or event.dispatched_at is not None:
        return
    failed = None
    for key, fn in handlers_for(event.name):
        if _delivered(event.id, key):
            continue
        try:
            fn(event)
            db.session.add(EventDelivery(event_id=event.id, handler=key))
            transactions.commit()
        except IntegrityError as exc:
            # Usually a concurrent dispatch of the same event delivered this handler first:
            # its effect committed with that delivery, ours is rolled back with this one.
            transactions.rollback()
            event = db.session.get(OutboxEvent, uuid.UUID(event_id))
            if not _delivered(event.id, key):
                log.exception("event handler failed", extra={"event": event.name, "handler": key})
                failed = f"{key}: {exc!r}"[:2000]
        except Exception as exc:  # recorded below, retried by the job runner
            transactions.rollback()
            log.exception("event handler failed", extra={"event": event.name, "handler": key})
            failed = f"{key}: {exc!r}"[:2000]
            event = db.session.get(OutboxEvent, uuid.UUID(event_id))
    event.attempts += 1
    if failed:
        event.last_error = failed
        transactions.commit()
        raise RuntimeError(f"event {event_id} not fully delivered: {failed}")
    event.dispatched_at = clock.now()
    event.last_error = None
    transactions.commit()


def _delivered(event_id: uuid.UUID, key: str) -> bool:
    return (
        db.session.scalar(
            select(EventDelivery.id).where(EventDelivery.event_id == event_id, EventDelivery.handler == key)
        )
        is not None
    )


def pending(older_than: timedelta = timedelta(minutes=1)) -> list[OutboxEvent]:
    """Undispatched events of the current tenant older than ``older_than``."""
    cutoff = clock.now() - older_than
    return list(
        db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.created_at <= cutoff)
            .order_by(OutboxEvent.created_at)
        )
    )
