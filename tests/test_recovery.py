"""Jobs that always finish (app/recovery.py): the sweep re-enqueues what Redis or a dead worker
lost, a killed import resumes from its checkpoint and counts the whole file, and work that keeps
failing ends failed (jobs) or given up (events) after a bounded number of attempts.

The worker tests run real ``rq worker`` processes on PostgreSQL and Redis and kill them with
SIGKILL; the ``flask jobs recover`` tests also run on SQLite (jobs inline).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from app import events, transactions
from app.events import EventDelivery, OutboxEvent
from tenants.models import Member
from tests import event_handlers as h
from tests.jobs_support import as_tenant, free_port, rows
from tests.tenants.test_imports import upload
from tests.test_worker import submit

#: Rows of the killed import: several batches of 1,000. The report quotes one run with
#: RECOVERY_IMPORT_ROWS=20000.
IMPORT_ROWS = int(os.environ.get("RECOVERY_IMPORT_ROWS", "5000"))

#: The worker settings of these tests: the sweep considers all work at once (no grace) and runs
#: only when a worker starts, so each test decides when it runs.
SWEEP_AT_START = {"JOB_RECOVERY_GRACE": "0", "JOB_RECOVERY_INTERVAL": "3600"}


@contextmanager
def redis_down(app) -> Iterator[None]:
    """Enqueues fail as with Redis down: the app points at a port nothing listens on."""
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    try:
        yield
    finally:
        app.config["REDIS_URL"] = saved


def emit_member_joined(app, tenant, **extra) -> str:
    with as_tenant(app, tenant.tenant_id):
        payload = {"email": f"neu@{tenant.slug}.example", "name": "Zoë Weiß", "lead": f"lead@{tenant.slug}.example"}
        event_id = str(events.emit(h.MEMBER_JOINED, payload | extra).id)
        transactions.commit()
    return event_id


def job(tenant, job_id: str) -> dict:
    response = tenant.api.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def recover(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "recover", *args])
    assert result.exit_code == 0, result.output
    return result.output


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Bounded wait for another process to get somewhere (no assertion on how long it takes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


# --- real workers on PostgreSQL and Redis -------------------------------------------------


def test_an_import_killed_mid_job_resumes_and_counts_every_row(app, world, rq_setup, owner_engine):
    with owner_engine.begin() as connection:
        connection.execute(text("UPDATE tenants SET seat_limit = 100000"))
    csv = "email,name\n" + "".join(f"person{i}@medtech-nord.example,Person {i}\n" for i in range(IMPORT_ROWS))
    response = upload(world.a.api, csv)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]
    worker_env = {**SWEEP_AT_START, "SMTP_URL": ""}  # the invitation emails wait in the outbox

    # The first worker commits two batches (and their checkpoints), then is killed mid-job.
    worker = rq_setup.start_worker({**worker_env, "STALL_AFTER_CHECKPOINTS": "2"})
    try:
        wait_until(lambda: job(world.a, job_id)["progress"] >= 99 * 2000 // IMPORT_ROWS, "two committed batches")
    finally:
        rq_setup.kill(worker)
    killed = job(world.a, job_id)
    assert (killed["status"], killed["attempts"]) == ("started", 1)
    assert len(rows(app, world.a.tenant_id, Member, Member.status == "invited")) == 2000

    # A fresh worker's sweep finds the dead worker's job and requeues it; it resumes after the
    # last committed batch and reports the whole file, not "created 3000, skipped 2000".
    rq_setup.run_worker(env=worker_env, timeout=300)

    done = job(world.a, job_id)
    assert (done["status"], done["progress"], done["attempts"], done["error"]) == ("finished", 100, 2, None)
    assert done["result"] == {"created": IMPORT_ROWS, "updated": 0, "skipped": 0, "errors": []}
    assert len(rows(app, world.a.tenant_id, Member, Member.status == "invited")) == IMPORT_ROWS


def test_work_whose_enqueue_failed_while_redis_was_down_runs_once_redis_is_back(app, world, rq_setup):
    with redis_down(app):
        job_id = submit(app, world.a, h.count_words, "eins zwei drei")
        event_id = emit_member_joined(app, world.b)
    assert rq_setup.queue().count == 0
    assert (job(world.a, job_id)["status"], job(world.a, job_id)["attempts"]) == ("queued", 0)

    rq_setup.run_worker(env=SWEEP_AT_START)  # no manual redispatch: the worker's sweep finds both

    body = job(world.a, job_id)
    assert (body["status"], body["result"], body["attempts"]) == ("finished", {"words": 3}, 1)
    [event] = rows(app, world.b.tenant_id, OutboxEvent)
    assert str(event.id) == event_id and event.dispatched_at is not None and event.attempts == 1
    assert len(rows(app, world.b.tenant_id, EventDelivery)) == 2


def test_a_job_that_keeps_failing_ends_failed_with_its_error_and_attempts(app, world, rq_setup):
    app.config["JOB_RETRY_INTERVALS"] = [0, 0]
    job_id = submit(app, world.a, h.explode, "kaputt")

    rq_setup.run_worker(env={**SWEEP_AT_START, "JOB_RETRY_INTERVALS": "0,0"})

    body = job(world.a, job_id)
    assert (body["status"], body["error"], body["attempts"]) == ("failed", "ValueError('kaputt')", 3)
    # The dead letter stays put: a later sweep does not run it again.
    rq_setup.run_worker(env=SWEEP_AT_START)
    assert job(world.a, job_id)["attempts"] == 3


def test_an_event_that_keeps_failing_is_given_up_and_not_redelivered(app, world, rq_setup, tmp_path):
    app.config["JOB_RETRY_INTERVALS"] = [0, 0]
    switch = tmp_path / "lead-directory-down"
    switch.write_text("down")
    emit_member_joined(app, world.a, fault_switch=str(switch))

    rq_setup.run_worker(env={**SWEEP_AT_START, "JOB_RETRY_INTERVALS": "0,0"})

    [event] = rows(app, world.a.tenant_id, OutboxEvent)
    assert event.dispatched_at is None and event.attempts == 3 and event.gave_up_at is not None
    assert "lead directory unavailable" in event.last_error
    assert [d.handler for d in rows(app, world.a.tenant_id, EventDelivery)] == ["tests.event_handlers.send_welcome"]

    rq_setup.run_worker(env=SWEEP_AT_START)
    [event] = rows(app, world.a.tenant_id, OutboxEvent)
    assert event.attempts == 3 and event.dispatched_at is None


# --- `flask jobs recover`, also on SQLite (jobs run inline) -------------------------------


def test_recover_command_runs_work_whose_enqueue_failed(app, world):
    with redis_down(app):
        job_id = submit(app, world.a, h.count_words, "eins zwei")
        emit_member_joined(app, world.b)
    # Back to no Redis at all: the command runs what it re-enqueues inline, at once.

    assert recover(app).startswith("re-enqueued 0 job(s) and 0 event(s)")  # within the grace
    assert recover(app, "--grace", "0").startswith("re-enqueued 1 job(s) and 1 event(s)")

    body = job(world.a, job_id)
    assert (body["status"], body["result"], body["attempts"]) == ("finished", {"words": 2}, 1)
    [event] = rows(app, world.b.tenant_id, OutboxEvent)
    assert event.dispatched_at is not None
    assert recover(app, "--grace", "0").startswith("re-enqueued 0 job(s) and 0 event(s)")


@pytest.mark.parametrize(
    ("attempts", "status", "error", "summary"),
    [
        (1, "finished", None, "re-enqueued 1 job(s)"),
        (4, "failed", "The worker stopped during attempt 4 of 4; not retried.", "1 job(s) failed"),
    ],
)
def test_recover_command_resumes_a_job_whose_worker_died_until_attempts_run_out(
    app, world, owner_engine, attempts, status, error, summary
):
    with redis_down(app):
        job_id = submit(app, world.a, h.count_words, "eins")
    with owner_engine.begin() as connection:  # what a worker killed during attempt N leaves behind
        connection.execute(text("UPDATE jobs SET status = 'started', attempts = :n"), {"n": attempts})

    assert summary in recover(app, "--grace", "0")

    body = job(world.a, job_id)
    assert (body["status"], body["error"]) == (status, error)
    assert body["attempts"] == (attempts + 1 if status == "finished" else attempts)
    assert "re-enqueued 0 job(s)" in recover(app, "--grace", "0")
