"""The RQ worker class the README starts: ``rq worker -w app.worker.AppWorker --with-scheduler``.

RQ forks a work horse for every job. With the stock worker each horse built the Flask app
itself (importing every domain, seconds per job), so a burst of events queued behind it.
:class:`AppWorker` builds the app once, in the worker process, before any fork: every horse
inherits it. The worker process opens database connections only for the recovery sweep
(:mod:`app.recovery`, between jobs), and each horse discards the pooled connections it
inherited (SQLAlchemy's rule for forked processes: a connection must never be shared by two
processes).
"""

from __future__ import annotations

from rq.worker import Worker

from app import jobs, recovery


class AppWorker(Worker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        jobs.preload_app()

    def main_work_horse(self, job, queue) -> None:
        jobs.after_fork()
        super().main_work_horse(job, queue)

    def run_maintenance_tasks(self) -> None:
        """RQ's periodic upkeep, then the sweep that re-enqueues lost jobs (:mod:`app.recovery`)."""
        super().run_maintenance_tasks()
        recovery.on_worker_maintenance(self)
