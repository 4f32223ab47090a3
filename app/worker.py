"""The RQ worker class the README starts: ``rq worker -w app.worker.AppWorker --with-scheduler``.

RQ forks a work horse for every job. With the stock worker each horse built the Flask app
itself (importing every domain, seconds per job), so a burst of events queued behind it.
:class:`AppWorker` builds the app once, in the worker process, before any fork: every horse
inherits it. The worker process never opens a database connection itself, and each horse
discards the pooled connections it inherited anyway (SQLAlchemy's rule for forked processes:
a connection must never be shared by two processes).
"""

from __future__ import annotations

from rq.worker import Worker

from app import jobs


class AppWorker(Worker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        jobs.preload_app()

    def main_work_horse(self, job, queue) -> None:
        jobs.after_fork()
        super().main_work_horse(job, queue)
