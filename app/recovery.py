"""Jobs that always finish: a sweep re-enqueues background work that Redis or a worker lost.

Three ways work goes missing, and what the sweep does about each:

* **The enqueue after the commit failed** (Redis was down): the tracked job's row stays
  ``queued`` and the outbox event undispatched, with nothing in RQ. The sweep enqueues them.
* **The worker died** (SIGKILL, OOM, a lost machine): the row says ``started`` but its RQ job
  has not sent a heartbeat within the grace (RQ's work horse sends one every 30 s). The sweep
  puts the row back to ``queued`` and enqueues it again; the function resumes from the
  checkpoint it committed (:func:`app.jobs.save_checkpoint`).
* **It keeps failing**: every start counts (``Job.attempts``, ``OutboxEvent.attempts``)
  against :func:`app.jobs.max_attempts`. A job whose worker died on its last attempt ends
  ``failed`` with the reason, an event that used up its attempts is given up (``gave_up_at``);
  neither is re-enqueued again (the dead letter: visible at ``GET /jobs/{id}`` and in the outbox).

Only work older than ``JOB_RECOVERY_GRACE`` seconds is considered, and nothing RQ still holds
alive (queued, scheduled for a retry, or started with a recent heartbeat) is touched, so the
sweep never doubles a run in progress. It runs in every :class:`app.worker.AppWorker` each
``JOB_RECOVERY_INTERVAL`` seconds (one worker at a time, under a Redis lock) and on demand as
``flask jobs recover``. The email outbox is not swept here: ``flask notifications flush``
covers it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from app import clock, events, jobs, tenancy, transactions
from app.db import db
from app.jobs import Job

log = logging.getLogger(__name__)

#: RQ job states in which RQ itself will still run the job.
_WAITING = ("queued", "scheduled", "deferred")


@dataclass
class Recovered:
    """What one sweep did."""

    jobs_requeued: list[str] = field(default_factory=list)
    jobs_failed: list[str] = field(default_factory=list)
    events_requeued: list[str] = field(default_factory=list)
    events_given_up: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"re-enqueued {len(self.jobs_requeued)} job(s) and {len(self.events_requeued)} event(s); "
            f"{len(self.jobs_failed)} job(s) failed and {len(self.events_given_up)} event(s) given up "
            "after their last attempt"
        )


def sweep(app: Flask, grace: int | None = None) -> Recovered:
    """Re-enqueue lost jobs and event dispatches of every tenant; end those out of attempts."""
    grace = app.config["JOB_RECOVERY_GRACE"] if grace is None else grace
    recovered = Recovered()
    with jobs._own_session(), app.app_context():
        rq = _RqState(app, grace)
        cutoff = clock.now() - timedelta(seconds=grace)
        limit = jobs.max_attempts(app)
        for tenant_id in tenancy.each_tenant():
            to_start = _recover_jobs(rq, cutoff, limit, recovered)
            batch, to_dispatch = _recover_events(rq, grace, limit, recovered)
            transactions.commit()  # the rows say "queued" before their jobs can run
            for job in to_start:
                jobs.start(tenant_id, *job)
            for event_id in to_dispatch:
                events.enqueue_dispatch(tenant_id, event_id)
            if batch:
                events.enqueue_batch(tenant_id, force=True)
    if recovered.jobs_requeued or recovered.jobs_failed or recovered.events_requeued or recovered.events_given_up:
        log.warning("recovery sweep", extra={"summary": recovered.summary()})
    return recovered


def _recover_jobs(rq: _RqState, cutoff, limit: int, recovered: Recovered) -> list[tuple[str, str, list[str]]]:
    to_start = []
    unfinished = select(Job).where(
        Job.status.in_(("queued", "started")), Job.created_at <= cutoff, Job.function.is_not(None)
    )
    for job in db.session.scalars(unfinished.order_by(Job.created_at)):
        if rq.alive(str(job.id)):
            continue
        if job.status == "started":
            if job.attempts >= limit:
                job.status, job.finished_at = "failed", clock.now()
                job.error = f"The worker stopped during attempt {job.attempts} of {limit}; not retried."
                recovered.jobs_failed.append(str(job.id))
                continue
            job.status = "queued"
            job.error = f"The worker stopped during attempt {job.attempts}; resumed."
        to_start.append((str(job.id), job.function, list(job.arguments or [])))
        recovered.jobs_requeued.append(str(job.id))
    return to_start


def _recover_events(rq: _RqState, grace: int, limit: int, recovered: Recovered) -> tuple[bool, list[uuid.UUID]]:
    """Whether the tenant needs a batch dispatch again, and the events that need their own again.

    An event no dispatch has tried yet (``attempts`` 0) is for the tenant's batch job (unless
    one is still queued); one a batch could not deliver goes on as its own job
    (:func:`app.events.dispatch_job_id`).
    """
    untried, to_dispatch = [], []
    for event in events.pending(timedelta(seconds=grace)):
        if event.attempts >= limit:
            event.gave_up_at = clock.now()
            recovered.events_given_up.append(str(event.id))
        elif event.attempts == 0:
            untried.append(str(event.id))
        elif not rq.alive(events.dispatch_job_id(event.id)):
            to_dispatch.append(event.id)
            recovered.events_requeued.append(str(event.id))
    queued = events.queued_batch_job(tenancy.require()) if untried else None
    if queued is not None and rq.alive(queued):
        return False, to_dispatch
    recovered.events_requeued += untried
    return bool(untried), to_dispatch


class _RqState:
    """Whether RQ still holds a job alive; without Redis (jobs run inline) nothing is."""

    def __init__(self, app: Flask, grace: int) -> None:
        self.connection = jobs.queue_connection(app) if app.config.get("REDIS_URL") else None
        self.grace = timedelta(seconds=grace)

    def alive(self, rq_job_id: str) -> bool:
        if self.connection is None:
            return False
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RqJob

        try:
            rq_job = RqJob.fetch(rq_job_id, connection=self.connection)
        except NoSuchJobError:
            return False
        status = rq_job.get_status(refresh=False)
        if status in _WAITING:
            return True
        if status == "started":
            cutoff = datetime.now(UTC) - self.grace  # RQ's heartbeats are wall-clock time
            if any(execution.last_heartbeat >= cutoff for execution in rq_job.get_executions()):
                return True
        # Dead or done: drop it from RQ's registries, whose own clean-up would otherwise retry or
        # fail it behind the new run's back. The new run reuses the id.
        rq_job.delete()
        return False


def on_worker_maintenance(worker) -> None:
    """:class:`app.worker.AppWorker`'s maintenance hook: sweep, at most one worker at a time.

    RQ runs maintenance when a worker starts and then every ``maintenance_interval`` seconds,
    but an idle worker only wakes from its blocking dequeue every ``worker_ttl - 15`` seconds
    (405 by default); both are brought down to ``JOB_RECOVERY_INTERVAL`` (0 turns the sweep off).
    A failing sweep is logged and never stops the worker.
    """
    app = jobs.preload_app()
    interval = app.config["JOB_RECOVERY_INTERVAL"]
    if interval <= 0:
        return
    worker.maintenance_interval = min(worker.maintenance_interval, interval)
    worker.worker_ttl = min(worker.worker_ttl, interval + 15)
    try:
        lock = jobs.queue_connection(app).lock(f"cip:recovery:{app.config['RQ_QUEUE']}", timeout=max(interval, 300))
        if not lock.acquire(blocking=False):
            return
        try:
            sweep(app)
        finally:
            lock.release()
    except Exception:
        log.exception("recovery sweep failed")
