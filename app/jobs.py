"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, inline after commit otherwise.

Job functions are plain module-level functions that take ids (strings), never ORM objects;
:func:`execute` runs them inside an app context with the job's tenant activated, in one
transaction of their own. Long-running, user-visible work is a tracked :class:`Job` whose
status, progress and result clients read at ``GET /jobs/{id}``.

An inline job runs exactly as a worker would run it: in a fresh context (no request, no
principal, no unscoped opt-out inherited from the caller) and in a session of its own, so it
never touches the caller's session or transaction.

Failed RQ jobs are retried after ``JOB_RETRY_INTERVALS`` seconds (default
:data:`RETRY_INTERVALS`; ``[0]`` retries at once, ``[]`` never); inline jobs are not retried
(``flask events redispatch`` and ``flask notifications flush`` pick up what is left).

A tracked job's row keeps what it takes to start it again (its function, arguments, attempts
so far and the checkpoint its function committed), so :mod:`app.recovery` can re-enqueue one
whose enqueue failed or whose worker died; every start counts against the same bound as the
retries, :func:`max_attempts`.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, redis_client, tenancy, transactions
from app.db import Base, IdMixin, TenantOwned, db

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 60, 300]

#: True while a job runs inline (no RQ job around it, so no retry will follow).
_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("inline_job", default=False)


class Job(IdMixin, TenantOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index(
            "ix_jobs_unfinished",
            "tenant_id",
            "created_at",
            sqlite_where=text("status IN ('queued', 'started')"),
            postgresql_where=text("status IN ('queued', 'started')"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: The tracked function (``module:qualname``) and its arguments: enough to start it again.
    function: Mapped[str | None] = mapped_column(String(200))
    arguments: Mapped[list[str] | None]
    #: Starts so far (each attempt, including one a dead worker never finished).
    attempts: Mapped[int] = mapped_column(default=0)
    #: What the function committed as done so far (see :func:`save_checkpoint`); cleared when finished.
    checkpoint: Mapped[dict[str, Any] | None]


def _path(fn: Callable) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


#: Functions whose jobs the worker runs in its own process instead of a forked horse.
_IN_WORKER_PROCESS: set[str] = set()


def in_worker_process(fn: Callable) -> Callable:
    """Run this function's jobs in the worker process, without a fork (a decorator).

    For short, frequent jobs such as event dispatch: a forked horse throws away every statement
    SQLAlchemy compiled and every cache it filled, so each job paid them again (the soak's
    dispatch fell behind its events). Only for functions that are idempotent and bounded: a job
    that crashed the process would take the worker with it (RQ's retry and the recovery sweep
    still run it again)."""
    _IN_WORKER_PROCESS.add(_path(fn))
    return fn


def runs_in_worker_process(job) -> bool:
    """Is this RQ job one of :func:`in_worker_process`'s functions (called through :func:`execute`)?"""
    return job.func_name == f"{__name__}.execute" and bool(job.args) and job.args[0] in _IN_WORKER_PROCESS


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def retry_intervals(app: Flask | None = None) -> list[int]:
    """Seconds to wait before each retry of a failed RQ job."""
    app = app or current_app
    return [int(i) for i in app.config.get("JOB_RETRY_INTERVALS", RETRY_INTERVALS)]


def max_attempts(app: Flask | None = None) -> int:
    """How often a job runs at most: the first attempt plus its retries."""
    return len(retry_intervals(app)) + 1


def enqueue(fn: Callable, tenant_id: uuid.UUID, *args: str, job_id: str | None = None) -> None:
    """Run ``fn(*args)`` for ``tenant_id`` in the background (call after commit).

    When Redis does not answer (within ``REDIS_SOCKET_TIMEOUT``) the error is logged and
    raised. What the job was for stays in the database (an undispatched event, a pending email,
    a queued tracked job); ``flask events redispatch`` and ``flask notifications flush`` queue
    events and emails again. After a commit, :func:`app.transactions.commit` logs and swallows
    the error: the committed write answers as it would have.
    """
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        run_inline(app, _path(fn), str(tenant_id), list(args))
        return
    from redis.exceptions import RedisError
    from rq import Queue, Retry

    intervals = retry_intervals(app)
    queue = Queue(app.config["RQ_QUEUE"], connection=queue_connection(app))
    try:
        queue.enqueue(
            execute,
            _path(fn),
            str(tenant_id),
            list(args),
            job_id=job_id,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError as error:
        log.warning(
            "enqueue failed: Redis unavailable; the work stays in the database for recovery",
            extra={"job": _path(fn), "job_tenant_id": str(tenant_id), "job_id": job_id, "error": type(error).__name__},
        )
        raise


def run_inline(app: Flask, fn_path: str, tenant_id: str, args: list[str]) -> None:
    """Run a job now, isolated like a worker would run it; failures are logged, not raised."""

    def run() -> None:
        _inline.set(True)
        _run(app, fn_path, tenant_id, args)

    try:
        contextvars.Context().run(run)
    except Exception:
        log.exception("inline job failed", extra={"job": fn_path})


def queue_connection(app: Flask):
    """The Redis client jobs are enqueued on (:func:`app.redis_client.for_app`)."""
    return redis_client.for_app(app)


_worker_app = None


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    return preload_app()


def preload_app() -> Flask:
    """Build the app jobs run in, once per worker process (see :class:`app.worker.AppWorker`)."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def after_fork() -> None:
    """In a forked work horse: drop the pooled connections inherited from the parent, unused."""
    if _worker_app is not None and db.engine is not None:
        db.engine.dispose(close=False)


def execute(fn_path: str, tenant_id: str, args: list[str]) -> None:
    """The one entry point RQ workers call: app context, tenant, one transaction."""
    _run(_app(), fn_path, tenant_id, args)


def _run(app: Flask, fn_path: str, tenant_id: str, args: list[str]) -> None:
    with _own_session(), app.app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        fn = _resolve(fn_path)
        try:
            fn(*args)
            transactions.commit()
        except Exception:
            transactions.rollback()
            raise


@contextmanager
def _own_session() -> Iterator[None]:
    """Give the job a session of its own and put the caller's back afterwards.

    The session is thread-local, so without this an inline job would share (and, when its
    app context ends, close) the session of the request or job that enqueued it.
    """
    registry = db.session.registry
    outer = registry() if registry.has() else None
    registry.clear()
    try:
        yield
    finally:
        db.session.remove()
        if outer is not None:
            registry.set(outer)


def will_retry() -> bool:
    """Whether RQ runs the current job again if it fails now (never for inline jobs)."""
    if _inline.get():
        return False
    from rq import get_current_job

    rq_job = get_current_job()
    return bool(rq_job is not None and rq_job.retries_left)


def submit(kind: str, fn: Callable, *args: str, created_by: uuid.UUID | None = None) -> Job:
    """Create a tracked job in this transaction; it starts after the commit."""
    job = Job(kind=kind, created_by=created_by, function=_path(fn), arguments=list(args))
    db.session.add(job)
    db.session.flush()
    tenant_id, job_id, fn_path = job.tenant_id, str(job.id), job.function
    transactions.on_commit(lambda: start(tenant_id, job_id, fn_path, list(args)))
    return job


def start(tenant_id: uuid.UUID, job_id: str, fn_path: str, arguments: list[str]) -> None:
    """Enqueue a tracked job under its own id: after the commit that created it, or again
    from :mod:`app.recovery`."""
    enqueue(run_tracked, tenant_id, fn_path, job_id, *arguments, job_id=job_id)


def run_tracked(fn_path: str, job_id: str, *args: str) -> None:
    """Job: run a tracked job's function as ``fn(job, *args)`` and record the outcome.

    A failure that RQ will retry leaves the job ``queued`` (with the error); the last one, or
    any once :func:`max_attempts` starts are used, marks it ``failed``.
    """
    job = db.session.get(Job, uuid.UUID(job_id))
    if job is None or job.status in ("finished", "failed"):
        return
    job.status, job.started_at, job.error, job.finished_at = "started", clock.now(), None, None
    job.attempts += 1
    transactions.commit()
    try:
        result = _resolve(fn_path)(job, *args)
    except Exception as exc:
        transactions.rollback()
        job = db.session.get(Job, uuid.UUID(job_id))
        job.error = repr(exc)[:2000]
        if will_retry() and job.attempts < max_attempts():
            job.status = "queued"
        else:
            job.status, job.finished_at = "failed", clock.now()
        transactions.commit()
        raise
    job.status, job.progress, job.result, job.finished_at = "finished", 100, result, clock.now()
    job.checkpoint = None


def save_checkpoint(job: Job, state: dict[str, Any], percent: int) -> None:
    """Commit the work done so far together with ``state``, where a later attempt resumes
    (``job.checkpoint``): a batch and its checkpoint commit or roll back as one."""
    job.checkpoint = state
    report_progress(job, percent)


def report_progress(job: Job, percent: int) -> None:
    """Commit a progress figure so ``GET /jobs/{id}`` shows it while the job runs."""
    job.progress = max(0, min(100, int(percent)))
    transactions.commit()
