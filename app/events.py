"""Domain events through a transactional outbox.

:func:`emit` writes the event in the same transaction as the change that caused it; after the
commit a job dispatches it to every subscribed handler. Each handler's effect is recorded in
``event_deliveries`` (unique per event and handler) in the handler's own transaction, so a
retry or a crash never loses or doubles an effect. Each dispatch runs as the RQ job
:func:`dispatch_job_id`; the sweep of :mod:`app.recovery` (and ``flask events redispatch``)
re-enqueues events whose dispatch was lost or interrupted. An event whose handlers still fail
after :func:`app.jobs.max_attempts` dispatches is given up (``gave_up_at``, ``last_error``).

The catalogue: each emitting package declares its events in one module (``tenants/events.py``,
``training/events.py``, ``engagement/events.py``) with :func:`declare`: the name rows store, the
payload fields (each described) and a version. :func:`emit` takes a declaration and refuses a
payload that lacks a declared field or carries an undeclared one; :func:`handler` subscribes to
a declaration, or, from a domain that may not import the emitter (gamification listens to
training and engagement), to :func:`ref` of its name, resolved against the catalogue. Handlers
read the payload through :meth:`OutboxEvent.field`, which knows only declared fields.

Versions live in the declaration only: an outbox row keeps its name and payload, no version
(no migration for it). When a payload gains a field, the declaration's version goes up and
listeners read the new field with a default, since events emitted before (still undispatched
in the outbox) lack it. ``tests/test_event_catalogue.py`` proves every subscription names a
declared event, every declaration is emitted somewhere and handlers read only declared fields.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

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
    #: Set when the event used up its attempts; the recovery sweep no longer re-enqueues it.
    gave_up_at: Mapped[datetime | None]

    def field(self, name: str, default: Any = None) -> Any:
        """The payload's ``name``, which the event's declaration must name; ``default`` when the
        payload lacks it (an event emitted before a later version added the field)."""
        declaration = declared(self.name)
        if name not in declaration.field_names:
            raise EventPayloadError(f"{self.name} declares no payload field {name!r}")
        return (self.payload or {}).get(name, default)


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


# --- The catalogue ----------------------------------------------------------------------------


class EventPayloadError(ValueError):
    """A payload that does not match its event's declaration: a programming error."""


@dataclass(frozen=True, eq=False)
class EventType:
    """A declared event: the name its rows store, its payload fields and their meaning, a version.

    ``fields`` must be in every payload (a value may be None where the description says so);
    ``optional`` fields may be left out. Made by :func:`declare`, never directly.
    """

    name: str
    version: int
    fields: Mapping[str, str]
    optional: Mapping[str, str]
    module: str
    doc: str = ""

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(self.fields) | frozenset(self.optional)

    def check(self, payload: Mapping[str, Any]) -> None:
        """Raise :class:`EventPayloadError` unless ``payload`` has exactly the declared fields."""
        if not isinstance(payload, Mapping):
            raise EventPayloadError(f"{self.name}: the payload must be a mapping, not {type(payload).__name__}")
        missing = sorted(set(self.fields) - set(payload))
        unknown = sorted(set(payload) - self.field_names)
        if missing or unknown:
            problems = ([f"missing {missing}"] if missing else []) + ([f"undeclared {unknown}"] if unknown else [])
            raise EventPayloadError(f"{self.name} (version {self.version}): {', '.join(problems)}")

    def __repr__(self) -> str:
        return f"<EventType {self.name} v{self.version}>"


@dataclass(frozen=True)
class EventRef:
    """An event named by a listener that may not import the domain declaring it.

    Resolved against the catalogue when used; the declaring domain is wired first.
    """

    name: str

    @property
    def declaration(self) -> EventType:
        return declared(self.name)


#: Every declared event by name, filled as the catalogue modules are imported.
CATALOGUE: dict[str, EventType] = {}


def declare(
    name: str,
    *,
    version: int,
    fields: Mapping[str, str],
    optional: Mapping[str, str] | None = None,
    doc: str = "",
) -> EventType:
    """Declare an event once, in its package's catalogue module.

    ``fields`` and ``optional`` map each payload field to a short description. Declaring a name
    again with the same version and fields (a module imported under a second name) returns the
    first declaration; with another version or other fields it is an error.
    """
    if version < 1 or not fields:
        raise ValueError(f"{name}: an event has a version from 1 and at least one payload field")
    event = EventType(
        name=name,
        version=version,
        fields=MappingProxyType(dict(fields)),
        optional=MappingProxyType(dict(optional or {})),
        module=sys._getframe(1).f_globals.get("__name__", "?"),
        doc=doc,
    )
    existing = CATALOGUE.get(name)
    if existing is None:
        CATALOGUE[name] = event
        return event
    if (existing.version, set(existing.fields), set(existing.optional)) == (
        event.version,
        set(event.fields),
        set(event.optional),
    ):
        return existing
    raise ValueError(f"event {name!r} is declared twice ({existing.module} and {event.module})")


def ref(name: str) -> EventRef:
    """A reference to an event another domain declares, for a listener that may not import it."""
    return EventRef(name)


def declared(name: str) -> EventType:
    """The declaration of ``name``; LookupError if no wired domain declares it."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise LookupError(f"event {name!r} is not declared (is the domain declaring it wired?)") from None


# --- Subscriptions ---------------------------------------------------------------------------

Handler = Callable[[OutboxEvent], None]


class Subscription(NamedTuple):
    key: str  # the delivery key: module.qualname of the handler
    fn: Handler
    event: EventType | EventRef


_handlers: dict[str, list[Subscription]] = {}


def handler(event: EventType | EventRef) -> Callable[[Handler], Handler]:
    """Subscribe a function to a declared event. Its name (module.qualname) is its delivery key."""
    if not isinstance(event, EventType | EventRef):
        raise TypeError(f"subscribe to a declaration (events.declare) or events.ref(name), not {event!r}")

    def register(fn: Handler) -> Handler:
        key = f"{fn.__module__}.{fn.__qualname__}"
        entries = _handlers.setdefault(event.name, [])
        if key not in {s.key for s in entries}:
            entries.append(Subscription(key, fn, event))
        return fn

    return register


def handlers_for(event_name: str) -> list[tuple[str, Handler]]:
    return [(s.key, s.fn) for s in _handlers.get(event_name, [])]


def subscriptions() -> list[Subscription]:
    """Every registered handler with the event it listens to."""
    return [s for entries in _handlers.values() for s in entries]


def emit(event: EventType, payload: dict[str, Any]) -> OutboxEvent:
    """Record a domain event in the current transaction; dispatch follows the commit.

    ``payload`` must carry exactly the declared fields (:class:`EventPayloadError` otherwise).
    """
    if not isinstance(event, EventType):
        raise TypeError(f"emit a declared event (events.declare), not {event!r}")
    event.check(payload)
    row = OutboxEvent(name=event.name, payload=payload)
    db.session.add(row)
    db.session.flush()
    tenant_id, event_id = row.tenant_id, row.id
    transactions.on_commit(lambda: enqueue_dispatch(tenant_id, event_id))
    return row


def dispatch_job_id(event_id: uuid.UUID) -> str:
    """The RQ job id of an event's dispatch, so the recovery sweep can tell whether it is alive."""
    return f"event-{event_id}"


def enqueue_dispatch(tenant_id: uuid.UUID, event_id: uuid.UUID) -> None:
    jobs.enqueue(dispatch, tenant_id, str(event_id), job_id=dispatch_job_id(event_id))


@jobs.in_worker_process
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
        if event.attempts >= jobs.max_attempts():
            event.gave_up_at = clock.now()
            log.error("event given up", extra={"event": event.name, "attempts": event.attempts})
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


def pending(older_than: timedelta = timedelta(minutes=1), *, include_given_up: bool = False) -> list[OutboxEvent]:
    """Undispatched events of the current tenant older than ``older_than`` (not those given up,
    unless ``include_given_up``)."""
    cutoff = clock.now() - older_than
    statement = select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.created_at <= cutoff)
    if not include_given_up:
        statement = statement.where(OutboxEvent.gave_up_at.is_(None))
    return list(db.session.scalars(statement.order_by(OutboxEvent.created_at)))
