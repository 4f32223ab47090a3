"""The RQ worker class the README starts: ``rq worker -w app.worker.AppWorker --with-scheduler``.

RQ forks a work horse for every job. With the stock worker each horse built the Flask app
itself (importing every domain, seconds per job), so a burst of events queued behind it.
:class:`AppWorker` builds the app once, in the worker process, before any fork: every horse
inherits it. Each horse discards the pooled connections it inherited (SQLAlchemy's rule for
forked processes: a connection must never be shared by two processes).

What a horse learns dies with it, so anything left cold in the worker process is paid again
by every job: :meth:`AppWorker.warm_up` warms SQLAlchemy's caches once, before the first fork.
"""

from __future__ import annotations

import gc
import logging
import uuid
from datetime import date, datetime

from rq.worker import Worker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapper, configure_mappers

from app import jobs, tenancy, transactions
from app.db import Base, db

log = logging.getLogger(__name__)

#: A value of each primary-key type for the warm-up's look-ups (they match no row).
_PLACEHOLDERS = {uuid.UUID: uuid.UUID(int=0), str: "", int: 0, date: date(2000, 1, 1), datetime: datetime(2000, 1, 1)}


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

    def main_work_horse(self, job, queue) -> None:
        jobs.after_fork()
        super().main_work_horse(job, queue)


def _placeholder_identity(mapper: Mapper) -> tuple | None:
    try:
        identity = tuple(_PLACEHOLDERS.get(column.type.python_type) for column in mapper.primary_key)
    except NotImplementedError:  # a column type without a Python type
        return None
    return None if None in identity else identity
