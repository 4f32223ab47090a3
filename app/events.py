"""Domain events through a transactional outbox.

:func:`emit` writes the event in the same transaction as the change that caused it; after the
commit a job of the tenant (:func:`dispatch_pending`) takes its pending events in created order,
in batches: each handler runs over a batch in one transaction (its set-based batch form where it
has one), and the deliveries (``event_deliveries``, unique per event and handler) and the
events' dispatch mark commit with the effects, so a retry or a crash never loses or doubles an
effect. An event a batch could not deliver goes on alone (:func:`dispatch`, the RQ job
:func:`dispatch_job_id`); the sweep of :mod:`app.recovery` (and ``flask events redispatch``)
re-enqueues dispatches that were lost or interrupted. An event whose handlers still fail after
:func:`app.jobs.max_attempts` dispatches is given up (``gave_up_at``, ``last_error``).

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

import functools
import itertools
import logging
import sys
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import Index, String, UniqueConstraint, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, jobs, tenancy, transactions
from app.db import Base, IdMixin, TenantOwned, db, reusable_plans, tenant_fk, upsert_insert

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

    @functools.cached_property
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
#: A handler's batch form: the same effect for several events of its type, in created order,
#: within the caller's transaction (set-based statements instead of a few per event).
BatchHandler = Callable[[list[OutboxEvent]], None]


class Subscription(NamedTuple):
    key: str  # the delivery key: module.qualname of the handler
    fn: Handler
    event: EventType | EventRef
    batch_fn: BatchHandler | None = None


_handlers: dict[str, list[Subscription]] = {}


def handler(event: EventType | EventRef, *, batch: BatchHandler | None = None) -> Callable[[Handler], Handler]:
    """Subscribe a function to a declared event. Its name (module.qualname) is its delivery key.

    ``batch`` is the handler's optional batch form (:data:`BatchHandler`), which a batch dispatch
    calls instead of ``fn`` once per event; it must have exactly ``fn``'s effect for each event,
    and ``fn`` stays the fallback that isolates an event the batch form fails on.
    """
    if not isinstance(event, EventType | EventRef):
        raise TypeError(f"subscribe to a declaration (events.declare) or events.ref(name), not {event!r}")

    def register(fn: Handler) -> Handler:
        key = f"{fn.__module__}.{fn.__qualname__}"
        entries = _handlers.setdefault(event.name, [])
        if key not in {s.key for s in entries}:
            entries.append(Subscription(key, fn, event, batch))
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
    tenant_id = row.tenant_id
    transactions.on_commit_once(("events.enqueue_batch", tenant_id), lambda: enqueue_batch(tenant_id))
    return row


# --- Dispatch in batches ----------------------------------------------------------------------

#: Events one batch takes, in one transaction; a job runs batches until the tenant has no
#: pending event left or it has run :data:`MAX_BATCHES_PER_JOB`, then hands on to a new job.
BATCH_SIZE = 1000
MAX_BATCHES_PER_JOB = 20
#: Seconds a tenant's "batch job queued" marker lives if its job never starts (Redis lost it,
#: the worker died between taking it and starting it); the recovery sweep does not wait for it.
MARKER_TTL = 300
#: First key of the two-key advisory lock that runs one batch of a tenant at a time ("EVNT").
_LOCK_NAMESPACE = 0x45564E54


def batch_job_prefix(tenant_id: uuid.UUID) -> str:
    """What the RQ job id of a tenant's batch dispatch starts with (a random suffix follows)."""
    return f"event-batch-{tenant_id}"


def _marker(tenant_id: uuid.UUID) -> str:
    return f"cip:event-batch:{current_app.config['RQ_QUEUE']}:{tenant_id}"


def enqueue_batch(tenant_id: uuid.UUID, *, force: bool = False) -> str | None:
    """Have a job dispatch the tenant's pending events (after the commit that emitted them).

    Without Redis the batch runs inline, now. With Redis, enqueues coalesce: a marker key names
    the tenant's queued batch job, and the job deletes it when it starts, before it reads the
    pending events. An enqueue that finds the marker leaves the event to that job, which has not
    read yet and will see the committed event. ``force`` (the recovery sweep, a job handing on)
    enqueues regardless. Returns the RQ job id, or None (inline, or coalesced).
    """
    if not current_app.config.get("REDIS_URL"):
        jobs.enqueue(dispatch_pending, tenant_id)
        return None
    from redis.exceptions import RedisError

    job_id = f"{batch_job_prefix(tenant_id)}-{uuid.uuid4().hex[:12]}"
    connection = jobs.queue_connection(current_app)
    marker = _marker(tenant_id)
    try:
        if not connection.set(marker, job_id, nx=not force, ex=MARKER_TTL):
            return None
    except RedisError as error:
        log.warning(
            "enqueue failed: Redis unavailable; the events stay in the outbox for recovery",
            extra={"job_tenant_id": str(tenant_id), "error": type(error).__name__},
        )
        raise
    try:
        jobs.enqueue(dispatch_pending, tenant_id, job_id=job_id)
    except Exception:
        with suppress(RedisError):
            connection.delete(marker)
        raise
    return job_id


def queued_batch_job(tenant_id: uuid.UUID) -> str | None:
    """The id of the tenant's batch job that is queued and not yet started, if any (with Redis)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    job_id = jobs.queue_connection(current_app).get(_marker(tenant_id))
    return job_id.decode() if isinstance(job_id, bytes) else job_id


@jobs.in_worker_process
def dispatch_pending() -> None:
    """Job: dispatch the current tenant's pending events in created order, a batch at a time."""
    tenant_id = tenancy.require()
    if current_app.config.get("REDIS_URL"):
        jobs.queue_connection(current_app).delete(_marker(tenant_id))  # before reading: see above
    for _ in range(MAX_BATCHES_PER_JOB):
        if dispatch_batch() < BATCH_SIZE:
            return
    enqueue_batch(tenant_id, force=True)  # more are waiting: a new job, behind other tenants' work


def dispatch_batch(limit: int = BATCH_SIZE) -> int:
    """Deliver up to ``limit`` of the current tenant's pending events in one transaction; how many it took.

    Takes the events no dispatch has tried yet (``attempts`` 0), oldest first, under a lock
    that runs one batch of the tenant at a time. Each handler runs over the consecutive events
    of its type: its batch form once, else its function per event, each in a savepoint. The
    deliveries (one insert) and the events' dispatch mark (one update) commit with the effects:
    a worker that dies mid-batch leaves nothing behind, and the next dispatch takes the batch
    again. A handler that fails on an event is rolled back to its savepoint (a failing batch
    form is retried event by event, so one poison event is isolated); the other handlers and
    events are delivered, and the event counts a failed attempt and continues on the per-event
    path (:func:`dispatch`, with its retries and its end in ``gave_up_at``). Should the batch
    itself fail (a concurrent dispatch delivered first), it is rolled back and each of its
    events is dispatched on its own.
    """
    _lock_tenant()
    batch = list(
        db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.gave_up_at.is_(None), OutboxEvent.attempts == 0)
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
            .limit(limit)
        )
    )
    if not batch:
        transactions.commit()
        return 0
    ids = [event.id for event in batch]
    try:
        with reusable_plans(db.session()):  # bulk inserts: foreign-key checks not re-planned per row
            failures = _deliver_batch(batch)
        transactions.commit()
    except Exception:
        transactions.rollback()
        log.warning("event batch failed; dispatching its events one by one", exc_info=True)
        failures = {event_id: failure for event_id in ids if (failure := _dispatch_one(event_id)) is not None}
    _retry_later(failures)
    return len(batch)


def _deliver_batch(batch: list[OutboxEvent]) -> dict[uuid.UUID, str]:
    """Run the handlers over ``batch`` in the current transaction; the events that failed, with why."""
    delivered = set(
        db.session.execute(
            select(EventDelivery.event_id, EventDelivery.handler).where(
                EventDelivery.event_id.in_([event.id for event in batch])
            )
        ).tuples()
    )  # a per-event dispatch that died may have delivered some already
    _begin_for_savepoints()
    failures: dict[uuid.UUID, str] = {}
    deliveries: list[dict[str, Any]] = []
    for name, run in itertools.groupby(batch, key=lambda event: event.name):
        run_events = list(run)
        for subscription in _handlers.get(name, []):
            todo = [event for event in run_events if (event.id, subscription.key) not in delivered]
            if todo:
                done = _run_handler(subscription, todo, failures)
                deliveries += [{"event_id": event.id, "handler": subscription.key} for event in done]
    now = clock.now()
    if deliveries:
        db.session.execute(
            upsert_insert(EventDelivery), [{**row, "id": uuid.uuid4(), "delivered_at": now} for row in deliveries]
        )
    succeeded = [event.id for event in batch if event.id not in failures]
    if succeeded:
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(succeeded))
            .values(dispatched_at=now, attempts=OutboxEvent.attempts + 1, last_error=None)
            .execution_options(synchronize_session=False)
        )
    for event in batch:
        if event.id in failures:
            _count_failed_attempt(event, failures[event.id])
    return failures


def _run_handler(
    subscription: Subscription, todo: list[OutboxEvent], failures: dict[uuid.UUID, str]
) -> list[OutboxEvent]:
    """One handler over ``todo``, each effect in a savepoint; the events it handled."""
    if subscription.batch_fn is not None:
        try:
            with db.session.begin_nested():
                subscription.batch_fn(todo)
            return todo
        except Exception:
            log.warning(
                "batch handler failed; handling its events one by one",
                extra={"handler": subscription.key, "events": len(todo)},
                exc_info=True,
            )
    done = []
    for event in todo:
        try:
            with db.session.begin_nested():
                subscription.fn(event)
            done.append(event)
        except Exception as exc:
            log.exception("event handler failed", extra={"event": event.name, "handler": subscription.key})
            failures[event.id] = f"{subscription.key}: {exc!r}"[:2000]
    return done


def _lock_tenant() -> None:
    """One batch of the tenant at a time (PostgreSQL; SQLite has a single writer): a second
    batch job waits for the first to commit, then takes what is left, in order."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, func.hashtext(str(tenancy.require())))))


def _begin_for_savepoints() -> None:
    """On SQLite, BEGIN explicitly: pysqlite opens a transaction only before a write, so a
    SAVEPOINT would open one itself and its RELEASE would commit it (SQLAlchemy's documented
    pysqlite caveat), taking the handlers' effects out of the batch's transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _count_failed_attempt(event: OutboxEvent, failure: str) -> None:
    event.attempts += 1
    event.last_error = failure
    if event.attempts >= jobs.max_attempts():
        event.gave_up_at = clock.now()
        log.error("event given up", extra={"event": event.name, "attempts": event.attempts})


def _retry_later(failures: dict[uuid.UUID, str]) -> None:
    """Events a batch could not deliver go on as per-event dispatch jobs, with RQ's retries. Inline
    (no Redis) nothing retries: ``flask events redispatch`` or the recovery sweep picks them up."""
    if not failures or not current_app.config.get("REDIS_URL"):
        return
    tenant_id = tenancy.require()
    for event_id in failures:
        with suppress(Exception):  # logged by jobs.enqueue; the sweep finds the event
            enqueue_dispatch(tenant_id, event_id)


# --- Dispatch of one event --------------------------------------------------------------------


def dispatch_job_id(event_id: uuid.UUID) -> str:
    """The RQ job id of an event's own dispatch, so the recovery sweep can tell whether it is alive."""
    return f"event-{event_id}"


def enqueue_dispatch(tenant_id: uuid.UUID, event_id: uuid.UUID) -> None:
    jobs.enqueue(dispatch, tenant_id, str(event_id), job_id=dispatch_job_id(event_id))


@jobs.in_worker_process
def dispatch(event_id: str) -> None:
    """Job: deliver one event to each handler that has not yet handled it, each in its own
    transaction (an event a batch could not deliver, a retry, a redispatch)."""
    failed = _dispatch_one(uuid.UUID(event_id))
    if failed:
        raise RuntimeError(f"event {event_id} not fully delivered: {failed}")


def _dispatch_one(event_id: uuid.UUID) -> str | None:
    """Deliver one event handler by handler; the failure recorded, or None. Commits."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None or event.dispatched_at is not None or event.gave_up_at is not None:
        transactions.commit()
        return None
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
            event = db.session.get(OutboxEvent, event_id)
            if not _delivered(event.id, key):
                log.exception("event handler failed", extra={"event": event.name, "handler": key})
                failed = f"{key}: {exc!r}"[:2000]
        except Exception as exc:  # recorded below, retried by the job runner
            transactions.rollback()
            log.exception("event handler failed", extra={"event": event.name, "handler": key})
            failed = f"{key}: {exc!r}"[:2000]
            event = db.session.get(OutboxEvent, event_id)
    if failed:
        _count_failed_attempt(event, failed)
        transactions.commit()
        return failed
    event.attempts += 1
    event.dispatched_at = clock.now()
    event.last_error = None
    transactions.commit()
    return None


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
