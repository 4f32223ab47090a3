"""Settings module for ``rq worker -c tests.worker_settings`` in the worker tests.

RQ imports it before working, so the test event handlers are registered in the worker (an
application worker would import its domain modules the same way through ``create_app``).
It also builds an app once, importing every domain, so each forked work horse, which builds
its app from the environment, does not import it all again.

With ``STALL_AFTER_CHECKPOINTS=N`` a job hangs after committing its N-th checkpoint (see below).
"""

import os

import tests.event_handlers  # noqa: F401  (registers the handlers)
from app import create_app, jobs

create_app()

if os.environ.get("STALL_AFTER_CHECKPOINTS"):
    # tests/test_recovery.py: a job commits this many checkpoints, then hangs until the test
    # kills the worker, so the kill lands mid-job at a known point.
    import time

    _save_checkpoint = jobs.save_checkpoint
    _saved: list[int] = []

    def _stalling_save_checkpoint(job, state, percent):
        _save_checkpoint(job, state, percent)
        _saved.append(percent)
        if len(_saved) >= int(os.environ["STALL_AFTER_CHECKPOINTS"]):
            time.sleep(3600)

    jobs.save_checkpoint = _stalling_save_checkpoint

if os.environ.get("STALL_IN_EVENT_BATCH"):
    # tests/test_event_batches.py: a batch runs every handler and writes its deliveries and
    # dispatch marks, then signals (the file) and hangs before its commit until the test kills
    # the worker, so the kill lands mid-batch.
    import time
    from pathlib import Path

    from app import events

    _deliver_batch = events._deliver_batch

    def _stalling_deliver_batch(batch):
        failures = _deliver_batch(batch)
        Path(os.environ["STALL_IN_EVENT_BATCH"]).write_text(str(len(batch)))
        time.sleep(3600)
        return failures

    events._deliver_batch = _stalling_deliver_batch
