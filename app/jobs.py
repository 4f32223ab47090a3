"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, inline after commit otherwise.

Job functions are plain module-level functions that take ids (strings), never ORM objects;
:func:`execute` runs them inside an app context with the job's tenant activated, in one
transaction. Long-running, user-visible work is a tracked :class:`Job` whose status, progress
and result clients read at ``GET /jobs/{id}``.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app import clock, tenancy, transactions
from app.db import Base, IdMixin, TenantOwned, db

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 60, 300]


class Job(IdMixin, TenantOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    kind: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


def _path(fn: Callable) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def enqueue(fn: Callable, tenant_id: uuid.UUID, *args: str, job_id: str | None = None) -> None:
    """Run ``fn(*args)`` for ``tenant_id`` in the background (call after commit)."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        try:
            execute(_path(fn), str(tenant_id), list(args))
        except Exception:
            log.exception("inline job failed", extra={"job": _path(fn)})
        return
    from rq import Queue, Retry

    queue = Queue(app.config["RQ_QUEUE"], connection=redis_connection(redis_url))
    queue.enqueue(
        execute,
        _path(fn),
        str(tenant_id),
        list(args),
        job_id=job_id,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        failure_ttl=7 * 24 * 3600,
    )


def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url)


_worker_app = None


def _app():
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def execute(fn_path: str, tenant_id: str, args: list[str]) -> None:
    """The one entry point RQ workers call: app context, tenant, one transaction."""
    with _app().app_context(), tenancy.scope(uuid.UUID(tenant_id)):
        fn = _resolve(fn_path)
        try:
            fn(*args)
            transactions.commit()
        except Exception:
            transactions.rollback()
            raise


def submit(kind: str, fn: Callable, *args: str, created_by: uuid.UUID | None = None) -> Job:
    """Create a tracked job in this transaction; it starts after the commit."""
    job = Job(kind=kind, created_by=created_by)
    db.session.add(job)
    db.session.flush()
    tenant_id, job_id = job.tenant_id, str(job.id)
    transactions.on_commit(lambda: enqueue(run_tracked, tenant_id, _path(fn), job_id, *args, job_id=job_id))
    return job


def run_tracked(fn_path: str, job_id: str, *args: str) -> None:
    """Job: run a tracked job's function as ``fn(job, *args)`` and record the outcome."""
    job = db.session.get(Job, uuid.UUID(job_id))
    if job is None or job.status == "finished":
        return
    job.status, job.started_at, job.error = "started", clock.now(), None
    transactions.commit()
    try:
        result = _resolve(fn_path)(job, *args)
    except Exception as exc:
        transactions.rollback()
        job = db.session.get(Job, uuid.UUID(job_id))
        job.status, job.error, job.finished_at = "failed", repr(exc)[:2000], clock.now()
        transactions.commit()
        raise
    job.status, job.progress, job.result, job.finished_at = "finished", 100, result, clock.now()


def report_progress(job: Job, percent: int) -> None:
    """Commit a progress figure so ``GET /jobs/{id}`` shows it while the job runs."""
    job.progress = max(0, min(100, int(percent)))
    transactions.commit()
