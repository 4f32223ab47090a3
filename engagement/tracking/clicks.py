"""Counting clicks off the redirect's path: a buffer, and a fold that writes them in bulk.

The redirect (:func:`record`) only hashes the visitor and hands the click to a buffer; a fold
(:func:`apply`) later writes a batch of them at once, per tenant in one transaction under that
tenant's RLS context: the visitor hashes (one multi-row insert, ``ON CONFLICT DO NOTHING``
returning the new ones: those clicks are unique), the day aggregates (one multi-row upsert) and
one ``engagement.link_clicked`` event per click. A click is the JSON object ``{"t": tenant id,
"l": link id, "d": the tenant's day, "v": visitor hash, "at": the instant}``; bots, previews and
HEAD requests are never buffered (:func:`services.is_countable`), so no raw IP or user agent
leaves the request.

With Redis (``REDIS_URL``) the buffer is the list ``cip:clicks:<queue>:pending``: the redirect
appends the click to a deque that one thread per process ships there, many clicks per ``RPUSH``
(:class:`_Shipper`), so no request waits for Redis. A flush (:func:`flush`: the job the first
shipment after a flush began enqueues, every worker's maintenance pass, ``flask clicks flush``)
moves up to ``TRACKING_CLICK_BATCH`` clicks at a time with ``LMOVE`` into a batch list of its
own, registered beforehand in a sorted set with the time it was claimed; folds it; and only then
deletes it. Every click is therefore always in the pending list or in one batch list. Each
tenant's part of a batch records ``(tenant, batch id)`` in ``tracking_click_batches`` in the
fold's transaction, so a batch folded again (the flush died before deleting it) changes nothing.
A batch claimed longer than ``TRACKING_CLICK_GRACE`` seconds ago is an orphan: the next flush
folds (or skips) and deletes it.

Without Redis, clicks wait in this process's memory and the request folds them before it ends
(after building its response): concurrent requests join one batch while one of them folds. The
embedded default thus writes as before, only in batches. When Redis does not answer, the
shipper folds its clicks the same way. A process killed (SIGKILL) between answering a click and
shipping or folding it loses that click; a graceful stop ships what is left.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask, after_this_request, current_app, has_app_context
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app import clock, events, jobs, tenancy, transactions
from app.db import db, upsert_insert
from engagement.content import topics
from engagement.events import LINK_CLICKED
from engagement.metrics import rollups
from engagement.tracking import services
from engagement.tracking.models import TrackingClickBatch, TrackingClickDay, TrackingLink, TrackingVisitor

log = logging.getLogger(__name__)

#: Rows per multi-row statement (SQLite binds at most 32,766 parameters per statement).
_CHUNK = 500
#: Batches one flush folds at most before it hands the rest to another job.
_MAX_BATCHES = 100


# -- the redirect's side -------------------------------------------------------------------


def click_of(link, ip: str | None, user_agent: str | None, at: datetime | None = None) -> dict:
    """The buffered form of a countable click on ``link`` (a :class:`cache.CachedLink`)."""
    at = at or clock.now()
    day = at.astimezone(ZoneInfo(link.timezone)).date()
    return {
        "t": str(link.tenant_id),
        "l": str(link.id),
        "d": day.isoformat(),
        "v": services.visitor_hash(link.id, ip, user_agent, day),
        "at": at.isoformat(),
    }


def record(link, ip: str | None, user_agent: str | None) -> None:
    """Buffer a countable click: for Redis (shipped by this process's shipper thread), else in
    memory, folded before this request ends."""
    entry = json.dumps(click_of(link, ip, user_agent), separators=(",", ":"))
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        _shipper.push(app, entry)
        return
    _memory.push(entry)

    @after_this_request
    def fold_before_the_end(response):
        transactions.rollback()  # the redirect wrote nothing: its connection goes back to the pool first
        _memory.flush()
        return response


class _Shipper:
    """Moves this process's clicks to the Redis list in the background, many per ``RPUSH``.

    A redirect only appends to a deque; one thread per process sends what has gathered while
    its previous round trip ran, so under load a round trip carries many clicks and no request
    waits for Redis. When Redis does not answer, the clicks go to the in-process buffer and are
    folded into the database directly. The window this opens: clicks answered in the last
    moments before a process is killed (SIGKILL) are lost; a graceful stop ships them
    (``atexit``).
    """

    def __init__(self) -> None:
        self._reset()
        # A forked child inherits the parent's waiting clicks (the parent ships them) and maybe a
        # held lock, but not the thread: it starts afresh.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self.items: deque[str] = deque()
        self.wakeup = threading.Condition()
        self.sending = threading.Lock()  # one shipment at a time, in order
        self.app: Flask | None = None
        self.pid: int | None = None

    def push(self, app: Flask, entry: str) -> None:
        if self.pid != os.getpid():  # the first click of this process
            self._start(app)
        self.items.append(entry)
        with self.wakeup:
            self.wakeup.notify()

    def _start(self, app: Flask) -> None:
        with self.sending:
            if self.pid == os.getpid():
                return
            self.app, self.pid = app, os.getpid()
            threading.Thread(target=self._run, name="click-shipper", daemon=True).start()
            atexit.register(self.ship)

    def _run(self) -> None:
        while True:
            with self.wakeup:
                while not self.items:
                    self.wakeup.wait()
            try:
                self.ship()
            except Exception:  # the thread must outlive any failure (a failed fold keeps its batch)
                log.exception("shipping clicks failed")

    def ship(self) -> int:
        """Send what is waiting now (also called to make buffered clicks visible at once)."""
        with self.sending:
            batch = [self.items.popleft() for _ in range(len(self.items))]
            if not batch or self.app is None:
                return 0
            app = self.app
            try:
                _push_redis(app, batch)
            except Exception as error:  # RedisError above all: whatever failed, the clicks are kept
                log.warning("clicks counted in process: Redis unavailable", extra={"error": type(error).__name__})
                for entry in batch:
                    _memory.push(entry)
                with app.app_context():
                    _memory.flush()
            return len(batch)


_shipper = _Shipper()


def _push_redis(app: Flask, entries: list[str]) -> None:
    """Append the clicks; the first shipment after a flush started enqueues the next flush."""
    redis, keys = jobs.queue_connection(app), _Keys(app)
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(keys.pending, *entries)
    pipe.set(keys.flush_queued, "1", nx=True, ex=60)
    _, first = pipe.execute()
    if first:
        _enqueue_flush(app)


def _enqueue_flush(app: Flask) -> None:
    from rq import Queue

    Queue(app.config["RQ_QUEUE"], connection=jobs.queue_connection(app)).enqueue(
        flush_job, failure_ttl=24 * 3600, description="fold buffered tracking clicks"
    )


# -- the fold ------------------------------------------------------------------------------


def apply(batch_id: str, entries: Iterable[str | dict]) -> int:
    """Fold a batch: each tenant's clicks in one transaction under its RLS context. Folding the
    same batch again is a no-op. Returns the clicks counted now."""
    by_tenant: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        entry = json.loads(entry) if isinstance(entry, str | bytes) else entry
        by_tenant[entry["t"]].append(entry)
    counted = 0
    for tenant_id, group in by_tenant.items():
        with tenancy.scope(uuid.UUID(tenant_id)):
            try:
                counted += fold(group, batch_id)
                transactions.commit()
            except Exception:
                transactions.rollback()
                raise
    return counted


def fold(entries: list[dict], batch_id: str | None = None) -> int:
    """Count the current tenant's ``entries`` in the current transaction (no commit): visitors,
    day aggregates and events; ``batch_id`` (recorded) makes a second fold of it a no-op.
    Clicks on links that no longer exist are dropped. Returns the clicks counted."""
    link_ids = {uuid.UUID(e["l"]) for e in entries}
    links = {link.id: link for link in db.session.scalars(select(TrackingLink).where(TrackingLink.id.in_(link_ids)))}
    keys = [(uuid.UUID(e["l"]), date.fromisoformat(e["d"]), e["v"]) for e in entries]
    keys = [key for key in keys if key[0] in links]
    if not keys or (batch_id is not None and not _claim(batch_id, len(keys))):
        return 0
    new = _new_visitors(sorted(set(keys)))
    uniques = []
    for key in keys:  # the first click of a new visitor in the batch is the unique one
        uniques.append(key in new)
        new.discard(key)
    # The day aggregates feed the stats rollups (triggers); lock those rows first, in the order
    # every multi-row writer uses, so a fold and a metric batch never deadlock.
    rollups.lock_for_posts({links[link_id].post_id for link_id, _, _ in keys})
    _add_to_days(keys, uniques)
    keys_of = functools.cache(topics.keys_of)  # one read per content item in this fold
    for (link_id, day, _), unique in zip(keys, uniques, strict=True):
        link = links[link_id]
        events.emit(
            LINK_CLICKED,
            {
                "post_id": str(link.post_id),
                "member_id": str(link.member_id),
                "link_id": str(link.id),
                "platform": link.platform,
                "content_id": str(link.content_id) if link.content_id else None,
                "day": day.isoformat(),
                "unique": unique,
                "topics": keys_of(link.content_id),
            },
        )
    return len(keys)


def _claim(batch_id: str, clicks: int) -> bool:
    """Record the batch for the current tenant; False when it was folded before."""
    statement = upsert_insert(TrackingClickBatch).values(
        id=uuid.uuid4(), batch_id=batch_id, clicks=clicks, processed_at=clock.now()
    )
    statement = statement.on_conflict_do_nothing(index_elements=["tenant_id", "batch_id"])
    return db.session.execute(statement.returning(TrackingClickBatch.__table__.c.id)).first() is not None


def _new_visitors(keys: list[tuple[uuid.UUID, date, str]]) -> set[tuple[uuid.UUID, date, str]]:
    """Insert the visitors (sorted: concurrent folds lock in the same order); the new ones."""
    table = TrackingVisitor.__table__
    new = set()
    for start in range(0, len(keys), _CHUNK):
        rows = [
            {"id": uuid.uuid4(), "link_id": link_id, "day": day, "visitor_hash": visitor}
            for link_id, day, visitor in keys[start : start + _CHUNK]
        ]
        statement = upsert_insert(TrackingVisitor).values(rows)
        statement = statement.on_conflict_do_nothing(index_elements=["tenant_id", "link_id", "day", "visitor_hash"])
        inserted = db.session.execute(statement.returning(table.c.link_id, table.c.day, table.c.visitor_hash))
        new.update((link_id, day, visitor) for link_id, day, visitor in inserted)
    return new


def _add_to_days(keys, uniques) -> None:
    """Add the batch's clicks and unique clicks to each (link, day) aggregate: one upsert."""
    totals: dict[tuple[uuid.UUID, date], list[int]] = defaultdict(lambda: [0, 0])
    for (link_id, day, _), unique in zip(keys, uniques, strict=True):
        totals[link_id, day][0] += 1
        totals[link_id, day][1] += int(unique)
    days = sorted(totals.items())
    table = TrackingClickDay.__table__
    for start in range(0, len(days), _CHUNK):
        rows = [
            {"id": uuid.uuid4(), "link_id": link_id, "day": day, "clicks": clicks, "unique_clicks": unique}
            for (link_id, day), (clicks, unique) in days[start : start + _CHUNK]
        ]
        statement = upsert_insert(TrackingClickDay).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "link_id", "day"],
            set_={
                "clicks": table.c.clicks + statement.excluded.clicks,
                "unique_clicks": table.c.unique_clicks + statement.excluded.unique_clicks,
            },
        )
        db.session.execute(statement)


# -- the in-process buffer -----------------------------------------------------------------


class _MemoryBuffer:
    """Clicks of this process waiting for a fold; one thread folds at a time, for all."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the parent folds what it holds

    def _reset(self) -> None:
        self.pending: deque[str] = deque()
        self.failed: deque[tuple[str, list[str]]] = deque()  # folded again under the same id
        self.lock = threading.Lock()

    def push(self, entry: str) -> None:
        self.pending.append(entry)

    def flush(self) -> int:
        """Fold what is waiting. A thread that finds another folding leaves its clicks to it:
        every folder looks again after releasing the lock, so no click is left behind. A fold
        that fails (the database is down) keeps its batch for the next request's flush."""
        counted = 0
        while self.pending or self.failed:
            if not self.lock.acquire(blocking=False):
                return counted
            try:
                done, failed = self._fold_all()
            finally:
                self.lock.release()
            counted += done
            if failed:
                return counted
        return counted

    def _fold_all(self) -> tuple[int, bool]:
        """Fold batch by batch until nothing waits; (clicks counted, whether a fold failed)."""
        counted = 0
        size = current_app.config["TRACKING_CLICK_BATCH"]
        while self.pending or self.failed:
            if self.failed:
                batch_id, batch = self.failed.popleft()
            else:
                batch_id = uuid.uuid4().hex
                batch = [self.pending.popleft() for _ in range(min(size, len(self.pending)))]
            try:
                with jobs._own_session():
                    counted += apply(batch_id, batch)
            except Exception:
                log.exception("folding buffered clicks failed; kept for the next request")
                self.failed.append((batch_id, batch))
                return counted, True
        return counted, False


_memory = _MemoryBuffer()


# -- the Redis buffer ----------------------------------------------------------------------


class _Keys:
    def __init__(self, app: Flask) -> None:
        prefix = f"cip:clicks:{app.config['RQ_QUEUE']}"
        self.pending = f"{prefix}:pending"
        self.batches = f"{prefix}:batches"  # sorted set: batch id -> claimed at (epoch seconds)
        self.flush_queued = f"{prefix}:flush-queued"
        self.prefix = prefix

    def batch(self, batch_id: str) -> str:
        return f"{self.prefix}:batch:{batch_id}"


def claim(app: Flask) -> tuple[str, list[bytes]]:
    """Move up to ``TRACKING_CLICK_BATCH`` pending clicks into a new batch list, each with one
    atomic ``LMOVE``: a click is never out of Redis. The batch is registered first, so that a
    flush dying here leaves an orphan the next one finds."""
    redis, keys = jobs.queue_connection(app), _Keys(app)
    batch_id = uuid.uuid4().hex
    redis.zadd(keys.batches, {batch_id: clock.now().timestamp()})
    pipe = redis.pipeline(transaction=False)
    for _ in range(app.config["TRACKING_CLICK_BATCH"]):
        pipe.lmove(keys.pending, keys.batch(batch_id), "LEFT", "RIGHT")
    moved = [entry for entry in pipe.execute() if entry is not None]
    if not moved:
        redis.zrem(keys.batches, batch_id)
    return batch_id, moved


def release(app: Flask, batch_id: str) -> None:
    """Forget a folded batch (its clicks are in the database)."""
    redis, keys = jobs.queue_connection(app), _Keys(app)
    pipe = redis.pipeline(transaction=True)
    pipe.delete(keys.batch(batch_id))
    pipe.zrem(keys.batches, batch_id)
    pipe.execute()


def recover(app: Flask, grace: float | None = None) -> int:
    """Fold (or skip, if folded before) and delete the batches claimed more than ``grace``
    seconds ago (default ``TRACKING_CLICK_GRACE``): their flush died before deleting them."""
    redis, keys = jobs.queue_connection(app), _Keys(app)
    grace = app.config["TRACKING_CLICK_GRACE"] if grace is None else grace
    counted = 0
    for raw in redis.zrangebyscore(keys.batches, "-inf", clock.now().timestamp() - grace):
        batch_id = raw.decode() if isinstance(raw, bytes) else raw
        counted += apply(batch_id, redis.lrange(keys.batch(batch_id), 0, -1))
        release(app, batch_id)
    return counted


def drain(app: Flask) -> int:
    """Fold the pending clicks batch by batch (at most :data:`_MAX_BATCHES`; then another job)."""
    counted = 0
    for _ in range(_MAX_BATCHES):
        batch_id, batch = claim(app)
        if not batch:
            return counted
        counted += apply(batch_id, batch)
        release(app, batch_id)
        if len(batch) < app.config["TRACKING_CLICK_BATCH"]:
            return counted
    _enqueue_flush(app)
    return counted


def ship() -> int:
    """Send this process's clicks waiting for the shipper to Redis now; how many."""
    return _shipper.ship()


def flush(app: Flask | None = None, grace: float | None = None) -> int:
    """Fold every buffered click now: this process's unshipped ones, orphaned batches, the Redis
    list, this process's memory.
    Returns the clicks counted (the CLI, the job, the worker's maintenance pass and tests)."""
    app = app or current_app._get_current_object()
    counted = 0
    _shipper.ship()
    with jobs._own_session(), app.app_context():
        if app.config.get("REDIS_URL"):
            counted += recover(app, grace) + drain(app)
        counted += _memory.flush()
    return counted


def flush_job() -> None:
    """RQ job: fold the buffered clicks (enqueued by the first click after a flush began)."""
    app = current_app._get_current_object() if has_app_context() else jobs.preload_app()
    _shipper.ship()  # (clicks of this process, if it serves requests too) before the flag goes
    jobs.queue_connection(app).delete(_Keys(app).flush_queued)  # clicks shipped from now on enqueue again
    flush(app)


def on_worker_maintenance(app: Flask) -> None:
    """Each worker's maintenance pass: orphans and leftovers, also when no job was enqueued."""
    if app.config.get("REDIS_URL"):
        flush(app)


# -- wiring --------------------------------------------------------------------------------

clicks_cli = AppGroup("clicks", help="Buffered tracking-link clicks.")


@clicks_cli.command("flush")
@click.option("--grace", type=float, default=None, help="Seconds after which a claimed batch is an orphan.")
@with_appcontext
def flush_command(grace: float | None) -> None:
    """Fold every buffered click into the counts and events now (workers do this on their own)."""
    click.echo(f"counted {flush(grace=grace)} click(s)")


def register(app: Flask) -> None:
    """``flask clicks`` and the worker maintenance hook."""
    app.cli.add_command(clicks_cli)
    app.extensions.setdefault("worker_maintenance", []).append(on_worker_maintenance)
