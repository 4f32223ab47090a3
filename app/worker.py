"""The RQ worker class the README starts: ``rq worker -w app.worker.AppWorker --with-scheduler``.

RQ forks a work horse for every job. With the stock worker each horse built the Flask app
itself (importing every domain, seconds per job), so a burst of events queued behind it.
:class:`AppWorker` builds the app once, in the worker process, before any fork: every horse
inherits it. Each horse discards the pooled connections it inherited (SQLAlchemy's rule for
forked processes: a connection must never be shared by two processes).

What a horse learns dies with it, so anything left cold in the worker process is paid again
by every job: :meth:`AppWorker.warm_up` warms SQLAlchemy's caches once, before the first fork.

It also outlives Redis outages (:meth:`AppWorker.work`), and between jobs it runs the recovery
sweep (:mod:`app.recovery`), the only time the worker process itself uses the database
after the warm-up.
"""

from __future__ import annotations

import gc
import logging
import os
import time
import uuid
from contextlib import suppress
from datetime import date, datetime

from redis import Redis
from redis.connection import ConnectionPool
from redis.exceptions import RedisError
from rq.defaults import DEFAULT_WORKER_TTL
from rq.exceptions import StopRequested
from rq.worker import Worker, WorkerStatus
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapper, configure_mappers

from app import jobs, recovery, redis_client, tenancy, transactions
from app.db import Base, db

log = logging.getLogger(__name__)

#: A value of each primary-key type for the warm-up's look-ups (they match no row).
_PLACEHOLDERS = {uuid.UUID: uuid.UUID(int=0), str: "", int: 0, date: date(2000, 1, 1), datetime: datetime(2000, 1, 1)}

#: Seconds between attempts to reach Redis again after an outage ended the work loop (doubling).
OUTAGE_PAUSE, OUTAGE_PAUSE_MAX = 1.0, 30.0


class AppWorker(Worker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.warm_up()

    def warm_up(self) -> None:
        """Build the app and warm SQLAlchemy in this process, so that no horse starts cold.

        Measured with ``bench/worker_throughput.py``: a horse forked from a cold worker spent most
        of a short job configuring the ORM mappers (about 200 ms), compiling its statements and
        initialising the dialect. Here, once: the mappers are configured, every model is looked up
        by primary key under a tenant that matches no row (which compiles and caches those
        statements with the tenant criteria, and initialises the dialect on a first connection),
        the connection is closed again (a horse must not inherit a live one), and the objects made
        so far are frozen out of the garbage collector, so a horse neither scans them nor copies
        their pages. A database that does not answer yet only leaves the statements cold.
        """
        app = jobs.preload_app()
        configure_mappers()
        try:
            with app.app_context(), tenancy.scope(uuid.uuid4()):
                for mapper in Base.registry.mappers:
                    identity = _placeholder_identity(mapper)
                    if identity is not None:
                        db.session.get(mapper.class_, identity)
                transactions.rollback()
        except SQLAlchemyError as exc:
            log.warning("worker warm-up without the database", extra={"error": exc.__class__.__name__})
        finally:
            db.engine.dispose()
        gc.freeze()

    def execute_job(self, job, queue) -> None:
        """Jobs of :func:`app.jobs.in_worker_process` functions (event dispatch) run here, in the
        warm worker process, as RQ's ``SimpleWorker`` runs every job; the rest in a forked horse."""
        if not jobs.runs_in_worker_process(job):
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job) -> int:
        """No horse to watch while a job runs in this process: its heartbeat covers its timeout."""
        if jobs.runs_in_worker_process(job):
            return int(job.timeout or DEFAULT_WORKER_TTL) + 60
        return super().get_heartbeat_ttl(job)

    def main_work_horse(self, job, queue) -> None:
        jobs.after_fork()
        super().main_work_horse(job, queue)

    def run_maintenance_tasks(self) -> None:
        """RQ's periodic upkeep, the sweep that re-enqueues lost jobs (:mod:`app.recovery`), then
        the hooks domains add to ``app.extensions["worker_maintenance"]`` (each given the app)."""
        super().run_maintenance_tasks()
        recovery.on_worker_maintenance(self)
        app = jobs.preload_app()
        for hook in app.extensions.get("worker_maintenance", ()):
            try:
                hook(app)
            except Exception:
                log.exception("worker maintenance hook failed", extra={"hook": getattr(hook, "__qualname__", "")})

    def work(self, burst: bool = False, **kwargs) -> bool:
        """RQ's work loop, started again after a Redis outage instead of ending the process.

        RQ rides out an outage only while it blocks for the next job. One that begins while a
        job runs (the heartbeat fails), during the loop's bookkeeping, or a Redis that hangs
        past the blocking read ends ``work()`` ("found an unhandled exception, quitting") and
        the worker exits. Here a loop that ends without being asked to (not burst, no stop
        request, no ``max_jobs`` or ``max_idle_time``) waits until Redis answers, lets a job
        still running finish, and starts again: registering the worker anew (a restarted
        Redis has forgotten it) and restarting the scheduler. Jobs and events lost with a Redis
        that restarted empty are found again from the database by the recovery sweep (emails by
        ``flask notifications flush``).
        """
        # rq sets the socket timeout itself (it blocks reading for the next job); connecting is bounded.
        self.connection.connection_pool.connection_kwargs.update(
            socket_connect_timeout=redis_client.connect_options(jobs.preload_app().config)["socket_connect_timeout"]
        )
        while True:
            try:
                worked = super().work(burst, **kwargs)
                torn_down = True
            except RedisError:  # the loop ended and its teardown could not reach Redis either
                worked, torn_down = False, False
            limited = burst or kwargs.get("max_jobs") or kwargs.get("max_idle_time") is not None
            if limited or self._asked_to_stop():
                return worked
            self.log.warning("Worker %s: work loop ended unexpectedly; starting again once Redis answers", self.name)
            try:
                self._wait_for_redis()
            except StopRequested:
                return worked
            if self._asked_to_stop():
                return worked
            self._clear_previous_loop(torn_down)

    def _asked_to_stop(self) -> bool:
        """A signal or ``rq shutdown`` asked the worker to stop (RQ's loop may have ended idle, unflagged)."""
        return self._stop_requested or self._shutdown_requested_date is not None

    def _wait_for_redis(self) -> None:
        """Return once Redis answers a PING (each attempt bounded by the app's Redis timeouts)."""
        pool = self.connection.connection_pool
        short = {**pool.connection_kwargs, **redis_client.options(jobs.preload_app().config)}
        probe = Redis(connection_pool=ConnectionPool(connection_class=pool.connection_class, **short))
        pause = OUTAGE_PAUSE
        try:
            while not self._asked_to_stop():
                try:
                    probe.ping()
                    return
                except RedisError as error:
                    self.log.warning(
                        "Worker %s: Redis unavailable (%s); trying again in %.0f s", self.name, error, pause
                    )
                time.sleep(pause)
                pause = min(pause * 2, OUTAGE_PAUSE_MAX)
        finally:
            probe.close()
            probe.connection_pool.disconnect()

    def _clear_previous_loop(self, torn_down: bool) -> None:
        """Let the horse of an interrupted job finish, and release what a failed teardown left."""
        if self._horse_pid:
            with suppress(ChildProcessError):
                os.waitpid(self._horse_pid, 0)
            self._horse_pid = 0
        if not torn_down:
            with suppress(RedisError):
                self.register_death()  # else a Redis that kept its data refuses the new birth
            with suppress(Exception):
                self.unsubscribe()  # stops the old pubsub thread


def _placeholder_identity(mapper: Mapper) -> tuple | None:
    try:
        identity = tuple(_PLACEHOLDERS.get(column.type.python_type) for column in mapper.primary_key)
    except NotImplementedError:  # a column type without a Python type
        return None
    return None if None in identity else identity
